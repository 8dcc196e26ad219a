from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "atiende.contact"
    label = "contact"
    verbose_name = _("Contact center")
    default_auto_field = "django.db.models.BigAutoField"
