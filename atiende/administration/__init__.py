"""The administration section (/administracion/): queues with their policies, teams and users, for
administrators, in the product rather than only in Django's admin. Views stay thin: the forms check the
shape of the input, the services (people.services, contact.services.queues) decide and validate."""
