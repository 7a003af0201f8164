from django.apps import AppConfig


class ReportingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reporting"
    verbose_name = "Reporting"

    def ready(self) -> None:
        from leadrouter.heartbeat import health_detail_register
        from reporting.digest import weekly_digests_owed_detail

        health_detail_register("weekly_digests", weekly_digests_owed_detail)
