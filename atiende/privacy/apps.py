from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "atiende.privacy"
    label = "privacy"
    verbose_name = _("Privacy and security")

    def ready(self) -> None:
        # Hooks into other apps (desk history, work order closure) are signals, so
        # the desk never has to know the audit trail or the vault exist.
        from atiende.privacy import (
            checks,  # noqa: F401
            display_text,  # noqa: F401 - titles and names fit to show, on every model (issue 22, item 15)
            signals,  # noqa: F401
        )
