"""The walk-in desk's actions, one module per noun:

- :mod:`.checkin`: a visitor checks in at reception and gets a ticket (and a work order);
- :mod:`.calling`: a technician calls the next visitor, calls them again, serves them or marks a no-show;
- :mod:`.bookings`: a visit booked for a slot of a day.

The visitor's place in line is a contact of the contact center (channel presencial):
the contact services store it and the engine decides who may take it; nothing here
re-implements a queue.
"""
