from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from intake import services


class Command(BaseCommand):
    help = "Print a personal API token for a user (stored hashed); the API acts as that user."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username, name, **options):
        try:
            _, raw = services.api_token_create(username=username, name=name)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        self.stdout.write(raw)
