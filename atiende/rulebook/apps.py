from django.apps import AppConfig


class RulebookConfig(AppConfig):
    name = "atiende.rulebook"
    label = "rulebook"
