from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "atiende.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        # The admin app (first in INSTALLED_APPS) has registered every app's admin by now.
        from atiende.web.admin import guard_forms

        guard_forms()
