from django.core.management.base import BaseCommand

from intake.models import OPEN_STATUSES, Lead
from leadrouter import pipeline


class Command(BaseCommand):
    help = (
        "Qualify open leads that have no qualification yet (after a failure, or leads that "
        "arrived before qualification existed); --all re-judges every open lead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Re-judge every open lead.")

    def handle(self, *args, all, **options):
        leads = Lead.objects.filter(status__in=OPEN_STATUSES, is_historical=False)
        if not all:
            leads = leads.filter(qualification__isnull=True)
        count = 0
        for lead in leads.select_related("source", "account").iterator():
            pipeline.qualify_lead(lead, replace=all)
            count += 1
        self.stdout.write(f"Qualified {count} lead(s).")
