from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "atiende.administration"
    label = "administration"
