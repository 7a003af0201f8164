from django.apps import AppConfig


class RoutingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from routing.selectors import reload_calendars_on_change
        from routing.services.config import reload_routing_setup_on_change

        reload_routing_setup_on_change()
        reload_calendars_on_change()
