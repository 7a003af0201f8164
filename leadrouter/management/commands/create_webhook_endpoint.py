"""`manage.py create_webhook_endpoint URL [--events …] [--team NAME] [--source NAME]`. In the
project package because its filters name a routing team and an intake source."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from intake import services
from intake.models import Source
from intake.webhooks.events import EVENT_TYPES, parse_event_types
from routing.models import Team


class Command(BaseCommand):
    help = "Create an outbound webhook endpoint and print its signing secret (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument(
            "--events",
            default=",".join(EVENT_TYPES),
            help=f"Comma-separated event types (default: all of {', '.join(EVENT_TYPES)}).",
        )
        parser.add_argument("--team", default=None, help="Only events of leads this team holds.")
        parser.add_argument("--source", default=None, help="Only events of leads from this source.")
        parser.add_argument("--description", default="", help="What receives it.")

    def handle(self, *args, url, events, team, source, description, **options):
        try:
            event_types = parse_event_types(events)
        except ValueError as exc:
            raise CommandError(f"--events: {exc}") from None
        team_row = source_row = None
        if team is not None:
            team_row = Team.objects.filter(name=team).first()
            if team_row is None:
                names = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
                raise CommandError(f"--team: no team is named {team!r} (teams: {names})")
        if source is not None:
            source_row = Source.objects.filter(name=source).first()
            if source_row is None:
                raise CommandError(f"--source: no source is named {source!r}")
        try:
            endpoint, secret = services.webhook_endpoint_create(
                url=url,
                events=event_types,
                team=team_row,
                source=source_row,
                description=description,
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            ) from None
        self.stdout.write(f"Endpoint: {endpoint.url} (id {endpoint.pk})")
        self.stdout.write(f"Events:   {', '.join(endpoint.events)}")
        if team_row or source_row:
            only = [
                f"team {team_row}" if team_row else "",
                f"source {source_row}" if source_row else "",
            ]
            self.stdout.write(f"Only for: {' and '.join(part for part in only if part)}")
        self.stdout.write(f"Secret:   {secret}")
        self.stdout.write("Copy the secret now: it is not shown again. Receivers verify each")
        self.stdout.write("delivery with it (Standard Webhooks; see the README's recipe).")
