from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "atiende.campaigns"
    label = "campaigns"
    verbose_name = _("Outbound campaigns")
    default_auto_field = "django.db.models.BigAutoField"
