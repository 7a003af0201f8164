"""`import_leads` bringing a team's past: when each lead arrived and closed (in the
organisation's time zone), its value and outcome in the usual spellings; a bad cell reported by
row and column while the rest is imported. Owners are routing's:
tests/routing/test_imported_history.py."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from intake.models import Lead, LeadEvent, LeadStatus, OrganisationSettings, Submission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chicago(db):
    """The organisation works in Chicago (the server's TIME_ZONE is UTC)."""
    return OrganisationSettings.objects.create(time_zone="America/Chicago")


@pytest.fixture
def run(source, tmp_path, capsys):
    """Import `text` as a CSV file with the command's arguments; returns what it printed."""

    def run(text, *args):
        path = tmp_path / "history.csv"
        path.write_text(text)
        call_command("import_leads", str(path), "--source", source.name, *args)
        return capsys.readouterr().out

    return run


def lead(email) -> Lead:
    return Lead.objects.get(email_normalized=email)


HISTORY = """Email,Created,Stage,Closed,Amount
won@gmail.com,2026-03-04,Closed Won,3/20/2026 2:30 PM,"$1,250.00"
lost@gmail.com,03/05/2026,closed lost,2026-03-21,
open@gmail.com,2026-03-06 09:15,maybe,,
"""
HISTORY_OPTIONS = (
    "--received-at",
    "Created",
    "--outcome",
    "Stage",
    "--closed-at",
    "Closed",
    "--value",
    "Amount",
)


def test_won_and_lost_leads_keep_their_dates_value_and_stay_closed(run):
    out = run(HISTORY, *HISTORY_OPTIONS)

    assert "3 rows: 3 created, 0 merged, 0 invalid, 0 failed" in out
    won = lead("won@gmail.com")
    assert won.status == LeadStatus.WON and won.is_historical
    # A date alone is that day's start in the organisation's zone: 06:00 UTC in March (CST).
    assert won.received_at == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    assert won.closed_at == datetime(2026, 3, 20, 19, 30, tzinfo=UTC)  # 2:30 PM CDT
    assert won.outcome_value == Decimal("1250.00")
    lost = lead("lost@gmail.com")
    assert lost.status == LeadStatus.LOST and lost.is_historical
    assert lost.received_at == datetime(2026, 3, 5, 6, 0, tzinfo=UTC)
    assert lost.closed_at == datetime(2026, 3, 21, 5, 0, tzinfo=UTC)  # after the DST change
    assert lost.outcome_value is None
    for imported in (won, lost):
        assert not {"Created", "Stage", "Closed", "Amount"} & set(imported.attributes)


def test_an_unknown_outcome_is_imported_as_still_open_and_summed_up(run):
    text = (
        "Email,Stage\n"
        "a@gmail.com,maybe\nb@gmail.com,Maybe\nc@gmail.com,pending\n"
        "d@gmail.com,won\ne@gmail.com,\n"
    )
    out = run(text, "--outcome", "Stage")

    assert (
        "3 rows with an outcome we don't know ('maybe': 1, 'Maybe': 1, 'pending': 1) were "
        "imported as still open" in out
    )
    still_open = Lead.objects.filter(email_normalized__in=["a@gmail.com", "c@gmail.com"])
    assert {lead.is_historical for lead in still_open} == {False}
    assert {lead.status for lead in still_open} <= {LeadStatus.NEW, LeadStatus.REVIEW}
    assert lead("e@gmail.com").is_open()  # empty: open, and nothing to report about it
    assert lead("d@gmail.com").status == LeadStatus.WON


def test_the_summary_counts_each_unknown_spelling(run):
    text = "Email,Stage\na@gmail.com,maybe\nb@gmail.com,maybe\nc@gmail.com,pending\n"

    out = run(text, "--outcome", "Stage")

    assert (
        "3 rows with an outcome we don't know ('maybe': 2, 'pending': 1) were imported as "
        "still open" in out
    )


def test_imported_leads_carry_an_imported_event_and_their_timeline_at_their_own_times(run):
    run(HISTORY, *HISTORY_OPTIONS)

    won = lead("won@gmail.com")
    events = {event.kind: event for event in won.events.all()}
    assert events[LeadEvent.Kind.RECEIVED].at == won.received_at
    assert events[LeadEvent.Kind.STATUS].at == won.closed_at
    assert events[LeadEvent.Kind.STATUS].data["value"] == "1250.00"
    imported = events[LeadEvent.Kind.IMPORTED]
    assert imported.message == "Imported history: won"
    assert imported.data["status"] == "won"
    still_open = lead("open@gmail.com").events.get(kind=LeadEvent.Kind.IMPORTED)
    assert still_open.message == "Imported history: still open (outcome 'maybe' not understood)"


def test_a_value_or_closing_date_that_says_nothing_about_the_outcome_stays_an_extra_field(run):
    text = "Email,Stage,Closed,Amount\nlost@gmail.com,lost,,500\nopen@gmail.com,,2026-03-01,900\n"

    run(text, "--outcome", "Stage", "--closed-at", "Closed", "--value", "Amount")

    assert lead("lost@gmail.com").attributes == {"Amount": "500"}
    assert lead("open@gmail.com").attributes == {"Closed": "2026-03-01", "Amount": "900"}


def test_a_bad_cell_is_reported_by_row_and_column_and_the_rest_imported(run):
    text = (
        "Email,Created,Stage,Closed,Amount\n"
        "a@gmail.com,2026-03-04,won,2026-03-10,100\n"
        "b@gmail.com,2026-03-04,won,31/31/2026,100\n"
        "c@gmail.com,yesterday,lost,,\n"
        "d@gmail.com,2026-03-04,won,2026-03-12,a lot\n"
        "e@gmail.com,2026-03-04,lost,2026-03-01,\n"
        "f@gmail.com,2099-01-01,lost,,\n"
        "g@gmail.com,,lost,,\n"
        'h@gmail.com,2026-03-04,won,2026-03-10,"1,250"\n'
    )

    out = run(text, *HISTORY_OPTIONS)

    assert "row 3, column 'Closed': '31/31/2026' is not a date" in out
    assert "row 4, column 'Created': 'yesterday' is not a date" in out
    assert "row 5, column 'Amount': 'a lot' is not an amount" in out
    assert (
        "row 6, column 'Closed': '2026-03-01' is before the lead was received (2026-03-04)" in out
    )
    assert "row 7, column 'Created': '2099-01-01' is in the future" in out
    assert "row 8, column 'Created': is empty: give the day the lead arrived" in out
    assert "8 rows: 2 created, 0 merged, 6 invalid, 0 failed" in out
    assert set(Lead.objects.values_list("email_normalized", flat=True)) == {
        "a@gmail.com",
        "h@gmail.com",
    }
    invalid = Submission.objects.filter(status=Submission.Status.INVALID)
    bad = next(row for row in invalid if b"b@gmail.com" in bytes(row.body))
    assert bad.errors == {"column 'Closed'": ["'31/31/2026' is not a date"]}


def test_a_row_with_bad_cells_and_bad_fields_reports_them_all_at_once(run):
    out = run("Email,Created\n,31/31/2026\n", "--received-at", "Created")

    assert "row 2, column 'Created': '31/31/2026' is not a date" in out
    assert "row 2: the lead is empty" in out


def test_map_keeps_working_beside_the_history_options(run):
    text = "Full Name,Mail,Created,Stage,Roof\nAnn Lee,ann@gmail.com,2026-03-04,yes,tile\n"

    run(text, "--map", "Full Name=full_name", "--map", "Mail=email", *HISTORY_OPTIONS[:4])

    ann = lead("ann@gmail.com")
    assert ann.full_name == "Ann Lee"
    assert ann.status == LeadStatus.WON
    assert ann.received_at == datetime(2026, 3, 4, 6, 0, tzinfo=UTC)
    assert ann.attributes == {"Roof": "tile"}


def test_without_an_organisation_zone_a_date_is_the_servers_time_zone_day(run, settings):
    OrganisationSettings.objects.all().delete()
    settings.TIME_ZONE = "America/New_York"

    run("Email,Created\nann@gmail.com,2026-03-04\n", "--received-at", "Created")

    assert lead("ann@gmail.com").received_at == datetime(2026, 3, 4, 5, 0, tzinfo=UTC)


def test_a_column_given_two_jobs_or_missing_stops_before_any_row(run):
    with pytest.raises(CommandError, match="given two jobs: Created"):
        run("Email,Created\na@gmail.com,2026-03-04\n", "--received-at", "Created", "--closed-at",
            "Created")  # fmt: skip
    with pytest.raises(CommandError, match="not in the file: Closed"):
        run("Email,Created\na@gmail.com,2026-03-04\n", "--closed-at", "Closed")
    with pytest.raises(CommandError, match="--create-owners needs --owner"):
        run("Email\na@gmail.com\n", "--create-owners")

    assert not Submission.objects.exists()


def test_reimporting_history_with_vendor_ids_adds_no_second_lead(run):
    text = "Id,Email,Created,Stage\n17,ann@gmail.com,2026-03-04,won\n"
    options = ("--map", "Id=external_id", "--received-at", "Created", "--outcome", "Stage")

    run(text, *options)
    out = run(text, *options)

    assert "row 2: merged" in out
    assert Lead.objects.count() == 1


def test_reimporting_history_without_ids_adds_it_again(run):
    # As before the history options: past leads are matched by their vendor id only (a
    # person may well have bought twice), so a file is imported once, or with its ids.
    text = "Email,Created,Stage\nann@gmail.com,2026-03-04,won\n"

    run(text, "--received-at", "Created", "--outcome", "Stage")
    run(text, "--received-at", "Created", "--outcome", "Stage")

    assert Lead.objects.filter(email_normalized="ann@gmail.com").count() == 2
