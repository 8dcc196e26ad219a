from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "atiende.telephony"
    label = "telephony"
    verbose_name = _("Telephony integrations")
    default_auto_field = "django.db.models.BigAutoField"
