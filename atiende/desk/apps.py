from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "atiende.desk"
    label = "desk"
    verbose_name = _("Help desk")

    def ready(self) -> None:
        from atiende.desk import signals  # noqa: F401  (ContactPoint.number on fixture loads; attachment files)
