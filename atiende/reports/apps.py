from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "atiende.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from atiende.reports import satisfaction  # noqa: F401  (a low rating alerts the supervisors)
