from django.apps import AppConfig


class LeadRouterConfig(AppConfig):
    """The project package as an app: the configuration-version table (`config_version`) and
    the commands that span every app (`demo`). It sits above the apps and owns no domain."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "leadrouter"
    verbose_name = "LeadRouter"
