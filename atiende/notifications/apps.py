from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "atiende.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from atiende.notifications import receivers  # noqa: F401  (desk events → notifications)
