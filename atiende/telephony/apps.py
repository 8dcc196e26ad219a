from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "atiende.telephony"
    label = "telephony"
    verbose_name = _("Telephony integrations")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A queue or a block saved in any process (a command, the admin, the API) writes a new settings
        # version, so the servers that keep them read them again (telephony.directory, config_cache).
        from atiende.telephony import directory  # noqa: F401
