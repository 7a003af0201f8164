"""Every table of a report as a CSV file a spreadsheet opens safely."""

import csv
import io
from decimal import Decimal

import pytest

from reporting.csv_export import spreadsheet_safe
from reporting.presenters import TABLE_NAMES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1 512 555 0134", "'+1 512 555 0134"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Website", "Website"),
        ("a=b", "a=b"),
        ("", ""),
        (-250, -250),
        (Decimal("-250.00"), Decimal("-250.00")),
        (-0.5, -0.5),
        (None, None),
    ],
)
def test_text_that_would_start_a_formula_is_neutralised_numbers_stay_numbers(cell, safe):
    assert spreadsheet_safe(cell) == safe


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_sources_csv_has_headers_and_keeps_a_formula_named_source_as_text(
    client, personas, served_report
):
    served_report()
    client.force_login(personas.manager)

    response = client.get("/reports/weekly/2026-W48/sources.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="leadrouter-austin-office-2026-w48-sources.csv"'
    )
    header, website, evil = rows_of(response)
    assert header == [
        "Source",
        "Received",
        "Valid contact (%)",
        "Duplicates merged",
        "Spam or test",
        "Held for review (%)",
        "Contacted (%)",
        "Qualified (%)",
        "Won",
        "Won value",
    ]
    assert website[:3] == ["Website", "30", "90.0"]
    assert website[5] == ""  # a share nobody computed is an empty cell, not 0
    assert evil[0] == '\'=HYPERLINK("http://evil.example","x")'
    assert evil[-1] == "-250.00"  # a negative number stays a number


def test_the_reps_csv_lists_each_rep_with_numbers(client, personas, served_report):
    served_report()
    client.force_login(personas.staff)

    rows = rows_of(client.get("/reports/weekly/2026-W48/reps.csv?team=Austin office"))

    assert rows[0][:5] == ["Rep", "Username", "Active", "Assigned", "Contacted"]
    assert rows[1][:5] == ["Ann", "ann", "yes", "10", "8"]
    assert rows[1][8] == "5.0"  # median first contact, minutes


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_every_table_downloads_for_the_week_and_the_month(client, personas, served_report, table):
    served_report()
    client.force_login(personas.manager)

    for url in (f"/reports/weekly/2026-W48/{table}.csv", f"/reports/monthly/2026-11/{table}.csv"):
        response = client.get(url)
        assert response.status_code == 200
        assert len(rows_of(response)) >= 2


def test_the_days_csv_has_a_column_per_channel(client, personas, served_report):
    served_report()
    client.force_login(personas.manager)

    rows = rows_of(client.get("/reports/weekly/2026-W48/days.csv"))

    assert rows[0] == ["Date", "Received: Email", "Received: Web", "SLA met", "SLA clocks"]
    assert rows[1] == ["2026-11-23", "0", "5", "3", "4"]
    assert len(rows) == 8


def test_an_unknown_table_is_a_404(client, personas, served_report):
    served_report()
    client.force_login(personas.manager)

    assert client.get("/reports/weekly/2026-W48/passwords.csv").status_code == 404
