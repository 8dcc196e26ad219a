from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WalkinConfig(AppConfig):
    name = "atiende.walkin"
    label = "walkin"
    verbose_name = _("Walk-in desk")
    default_auto_field = "django.db.models.BigAutoField"
