from django.core.management.base import BaseCommand

from leadrouter import pipeline
from qualification.selectors import leads_to_qualify


class Command(BaseCommand):
    help = (
        "Qualify open leads that have no qualification yet (after a failure, or leads that "
        "arrived before qualification existed) and route those no person needs to review; "
        "--all re-judges every open lead (routing only those still new and unowned)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Re-judge every open lead.")

    def handle(self, *args, all, **options):
        count = 0
        for lead in leads_to_qualify(everyone=all).iterator():
            pipeline.qualify_and_route(lead, replace=all)
            count += 1
        self.stdout.write(f"Qualified {count} lead(s).")
