from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScorecardsConfig(AppConfig):
    name = "atiende.scorecards"
    label = "scorecards"
    verbose_name = _("Quality scorecards")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every contact that ends stores a scoring job in its own transaction;
        # the worker scores it (see signals.py and jobs.py).
        from atiende.scorecards import signals

        signals.connect()
