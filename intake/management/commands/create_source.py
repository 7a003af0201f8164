from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from intake import services
from intake.models import Adapter, Channel


class Command(BaseCommand):
    help = "Create a lead source and print its API key (shown once, stored hashed) and URLs."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--channel", choices=Channel.values, default=Channel.API)
        parser.add_argument("--adapter", choices=Adapter.values, default=None)
        parser.add_argument("--secret", default="", help="The vendor's own shared secret.")
        parser.add_argument("--request-type", default="", help="Default request type.")
        parser.add_argument("--campaign", default="", help="Default campaign.")
        parser.add_argument(
            "--base-url", default="http://localhost:8000", help="For the printed URLs."
        )

    def handle(
        self, *args, name, channel, adapter, secret, request_type, campaign, base_url, **options
    ):
        if adapter is None:
            adapter = Adapter.FORM if channel == Channel.WEB else Adapter.API
        try:
            source, raw_key = services.source_create(
                name=name,
                channel=channel,
                adapter=adapter,
                secret=secret,
                default_request_type=request_type,
                default_campaign=campaign,
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        base = base_url.rstrip("/")
        self.stdout.write(f"Source:   {source.name} ({source.channel}, adapter {source.adapter})")
        self.stdout.write(f"API key:  {raw_key}")
        self.stdout.write(
            "          (shown once; only its hash is stored — rotate it in the admin)"
        )
        self.stdout.write(
            f"API:      POST {base}{reverse('api-leads')}  Authorization: Bearer <key>"
        )
        self.stdout.write(
            f"Form URL: {base}{reverse('intake:form-submit', args=[source.public_id])}"
        )
        self.stdout.write(f"Webhook:  {base}/hooks/{source.adapter}/{source.public_id}/")
