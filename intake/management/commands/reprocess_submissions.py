from django.core.management.base import BaseCommand

from intake import services
from intake.models import Submission
from leadrouter import pipeline


class Command(BaseCommand):
    help = "Run stored submissions through the pipeline again (failed and invalid by default)."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="Submission ids; default: all failed.")
        parser.add_argument("--include-invalid", action="store_true")

    def handle(self, *args, ids, include_invalid, **options):
        if ids:
            submissions = Submission.objects.filter(pk__in=ids)
        else:
            statuses = [Submission.Status.FAILED, Submission.Status.RECEIVED]
            if include_invalid:
                statuses.append(Submission.Status.INVALID)
            submissions = Submission.objects.filter(status__in=statuses)
        counts: dict[str, int] = {}
        for submission in submissions.order_by("received_at", "id"):
            if not services.submission_is_reprocessable(submission):
                counts["skipped"] = counts.get("skipped", 0) + 1
                continue
            result = pipeline.process_submission(submission)
            outcome = (
                "invalid"
                if result.errors
                else "failed"
                if result.failed
                else "created"
                if result.created
                else "merged"
            )
            counts[outcome] = counts.get(outcome, 0) + 1
            self.stdout.write(f"submission {submission.pk}: {outcome}")
        self.stdout.write(
            ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing to do"
        )
