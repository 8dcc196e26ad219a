from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "atiende.mail"
    label = "mail"
    verbose_name = "Mail"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from atiende.mail import receivers  # noqa: F401  (connects the signal receivers)
