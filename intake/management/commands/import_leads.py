import csv

from django.core.management.base import BaseCommand, CommandError

from intake.csv_import import (
    CsvImportError,
    HistoryColumns,
    decode_upload,
    import_csv,
    parse_column_map,
)
from intake.models import Source
from leadrouter import pipeline


class Command(BaseCommand):
    help = (
        "Import leads from a CSV file with a per-row report. Columns not mapped go into "
        "attributes. History options bring a team's past: when each lead arrived, who owned "
        "it, when it closed, for how much and how it ended (won and lost leads are kept "
        "closed for training and reports, never routed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--source", required=True, help="Name of the source to import into.")
        parser.add_argument(
            "--map", action="append", default=[], metavar="COLUMN=field", help="Repeatable."
        )
        history = parser.add_argument_group(
            "history",
            "Dates are ISO (2026-03-04, 2026-03-04 14:30, 2026-03-04T14:30:00Z) or US "
            "(3/4/2026, 3/4/2026 2:30 PM); without an offset they are in the organisation's "
            "time zone, and a date alone is that day's start there.",
        )
        history.add_argument(
            "--received-at", default=None, metavar="COLUMN", help="When each lead arrived."
        )
        history.add_argument(
            "--owner",
            default=None,
            metavar="COLUMN",
            help="Who owned the lead: a rep's username, e-mail or full name (any case).",
        )
        history.add_argument(
            "--create-owners",
            action="store_true",
            help="Owners who match no rep become inactive reps (never routed to) instead of "
            "their rows being reported and left out.",
        )
        history.add_argument(
            "--owner-team",
            default=None,
            metavar="NAME",
            help="The team created owners join (needed when there is more than one team).",
        )
        history.add_argument(
            "--closed-at", default=None, metavar="COLUMN", help="When a won or lost lead closed."
        )
        history.add_argument(
            "--value", default=None, metavar="COLUMN", help="A won deal's value: 1,250.00, $1,250."
        )
        history.add_argument(
            "--outcome",
            default=None,
            metavar="COLUMN",
            help="How the lead ended: 1/0, true/false, yes/no, won/lost, converted, closed "
            "won/closed lost (any case); anything else is still open.",
        )
        parser.add_argument("--report", default=None, help="Write the per-row report to this CSV.")
        parser.add_argument("--quiet-rows", action="store_true", help="Only print the summary.")

    def handle(self, *args, file, source, map, report, quiet_rows, **options):
        if options["create_owners"] and not options["owner"]:
            raise CommandError("--create-owners needs --owner COLUMN.")
        if options["owner_team"] and not options["create_owners"]:
            raise CommandError("--owner-team only says where --create-owners puts new owners.")
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
        history = HistoryColumns(
            received_at=options["received_at"],
            owner=options["owner"],
            closed_at=options["closed_at"],
            value=options["value"],
            outcome=options["outcome"],
        )
        try:
            result = import_csv(
                source=lead_source,
                text=text.splitlines(keepends=True),
                column_map=parse_column_map(map),
                history=history,
                owners=pipeline.imported_owners(
                    create=options["create_owners"], team=options["owner_team"]
                ),
                process=pipeline.process_submission,
            )
        except CsvImportError as exc:
            raise CommandError(str(exc)) from None
        if not quiet_rows:
            for row in result.rows:
                self.stdout.write(f"row {row.row}: {row.status} {row.describe()}".rstrip())
        if report:
            with open(report, "w", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["row", "status", "submission", "lead", "details"])
                for row in result.rows:
                    writer.writerow(
                        [row.row, row.status, row.submission_id, row.lead_id or "", row.describe()]
                    )
        problems = result.problems()
        if problems:
            self.stdout.write(f"Not imported ({len(problems)} problem(s)):")
            for problem in problems:
                self.stdout.write(f"  {problem}")
        note = result.outcome_note()
        if note:
            self.stdout.write(self.style.WARNING(note))
        self.stdout.write(self.style.SUCCESS(result.summary()))
