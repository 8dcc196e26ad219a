from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalkinConfig(AppConfig):
    name = "atiende.walkin"
    label = "walkin"
    verbose_name = _("Walk-in desk")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from atiende.contact import live as contact_live
        from atiende.engine.channels import Channel
        from atiende.walkin import live

        # Whatever changes a visitor's contact (the console's «Contestar» too) repaints the waiting room.
        contact_live.CHANNEL_LISTENERS[Channel.IN_PERSON] = lambda row: live.board_changed()
