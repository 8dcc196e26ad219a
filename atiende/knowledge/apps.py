from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "atiende.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The index follows the desk; articles and canned answers add their kinds to it.
        from atiende.knowledge import articles, canned, receivers  # noqa: F401
