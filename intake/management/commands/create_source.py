from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from intake import services
from intake.hooks import get_hook
from intake.models import Adapter, Channel

# The adapter a channel's source uses when --adapter is not given.
DEFAULT_ADAPTER = {
    Channel.WEB: Adapter.FORM,
    Channel.EMAIL: Adapter.EMAIL,
    Channel.CHAT: Adapter.CHAT,
    Channel.SMS: Adapter.TWILIO_SMS,
    Channel.PHONE: Adapter.TWILIO_VOICE,
}


class Command(BaseCommand):
    help = "Create a lead source and print its API key (shown once, stored hashed) and URLs."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--channel", choices=Channel.values, default=Channel.API)
        parser.add_argument("--adapter", choices=Adapter.values, default=None)
        parser.add_argument("--secret", default="", help="The vendor's own shared secret.")
        parser.add_argument(
            "--verify-token", default="", help="Meta: the subscription's verify token."
        )
        parser.add_argument(
            "--access-token", default="", help="Meta: a page access token (leads_retrieval)."
        )
        parser.add_argument(
            "--twilio-account-sid", default="", help="Twilio Voice: the account SID (AC…)."
        )
        parser.add_argument(
            "--twilio-number", default="", help="Twilio Voice: the number calls come in on."
        )
        parser.add_argument("--request-type", default="", help="Default request type.")
        parser.add_argument("--campaign", default="", help="Default campaign.")
        parser.add_argument(
            "--base-url", default=None, help="For the printed URLs (default: SITE_URL)."
        )

    def handle(self, *args, name, channel, adapter, secret, base_url, **options):
        if adapter is None:
            adapter = DEFAULT_ADAPTER.get(channel, Adapter.API)
        try:
            source, raw_key = services.source_create(
                name=name,
                channel=channel,
                adapter=adapter,
                secret=secret,
                default_request_type=options["request_type"],
                default_campaign=options["campaign"],
                verify_token=options["verify_token"],
                access_token=options["access_token"],
                twilio_account_sid=options["twilio_account_sid"],
                twilio_number=options["twilio_number"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        base = (base_url or settings.SITE_URL).rstrip("/")
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
        hook = get_hook(source.adapter)
        if hook is not None:
            self.stdout.write(f"Webhook:  POST {base}/hooks/{source.adapter}/{source.public_id}/")
            self.stdout.write(f"Secret:   {hook.signing_help}")
            if not secret and hook.requires_secret:
                self.stderr.write(
                    "Warning: no --secret given; every delivery to this webhook will be "
                    "rejected until the vendor's secret is set in the admin."
                )
