import csv

from django.core.management.base import BaseCommand, CommandError

from intake.csv_import import CsvImportError, decode_upload, import_csv, parse_column_map
from intake.models import Source
from leadrouter import pipeline


class Command(BaseCommand):
    help = (
        "Import leads from a CSV file with a per-row report. Columns not mapped go into "
        "attributes. With --outcome, rows are past leads with a known result (truthy = won)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, help="Name of the source to import into.")
        parser.add_argument(
            "--map", action="append", default=[], metavar="COLUMN=field", help="Repeatable."
        )
        parser.add_argument("--outcome", default=None, metavar="COLUMN")
        parser.add_argument("--report", default=None, help="Write the per-row report to this CSV.")
        parser.add_argument("--quiet-rows", action="store_true", help="Only print the summary.")

    def handle(self, *args, file, source, map, outcome, report, quiet_rows, **options):
        try:
            lead_source = Source.objects.get(name=source)
        except Source.DoesNotExist:
            raise CommandError(
                f"No source named {source!r} (create it with create_source)."
            ) from None
        try:
            with open(file, "rb") as handle:
                text = decode_upload(handle.read())
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        try:
            result = import_csv(
                source=lead_source,
                text=text.splitlines(keepends=True),
                column_map=parse_column_map(map),
                outcome_column=outcome,
                process=pipeline.process_submission,
            )
        except CsvImportError as exc:
            raise CommandError(str(exc)) from None
        if not quiet_rows:
            for row in result.rows:
                self.stdout.write(f"line {row.line}: {row.status} {row.describe()}".rstrip())
        if report:
            with open(report, "w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["line", "status", "submission", "lead", "details"])
                for row in result.rows:
                    writer.writerow(
                        [row.line, row.status, row.submission_id, row.lead_id or "", row.describe()]
                    )
        self.stdout.write(self.style.SUCCESS(result.summary()))
