from django.apps import AppConfig


class IntakeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "intake"
    verbose_name = "Intake"

    def ready(self) -> None:
        from intake.webhooks.services import reload_webhooks_on_change

        reload_webhooks_on_change()
