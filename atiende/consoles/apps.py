from django.apps import AppConfig


class ConsolesConfig(AppConfig):
    name = "atiende.consoles"
    label = "consoles"
    verbose_name = "Consoles"
