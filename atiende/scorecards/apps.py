from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "atiende.scorecards"
    label = "scorecards"
    verbose_name = _("Quality scorecards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Score every contact as it ends; the receiver never lets a scoring
        # failure reach the engine's transaction (see signals.py).
        from atiende.scorecards import signals

        signals.connect()
