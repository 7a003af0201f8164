from django.apps import AppConfig


class RoutingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "routing"
    verbose_name = "Routing"

    def ready(self) -> None:
        from intake.webhooks.models import WebhookEndpoint
        from intake.webhooks.services import transport_register
        from leadrouter.heartbeat import health_detail_register
        from routing.selectors import reload_calendars_on_change, stranded_leads_detail
        from routing.services.config import reload_routing_setup_on_change
        from routing.services.hubspot import hubspot_delivery_send

        reload_routing_setup_on_change()
        reload_calendars_on_change()
        health_detail_register("stranded_leads", stranded_leads_detail)
        # The HubSpot sync's deliveries ride the webhooks' outbox; this sends them.
        transport_register(WebhookEndpoint.Kind.HUBSPOT, hubspot_delivery_send)
