from django.apps import AppConfig


class QualificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qualification"
    verbose_name = "Qualification"

    def ready(self) -> None:
        from qualification.services.registry import reload_loaded_on_change

        reload_loaded_on_change()
