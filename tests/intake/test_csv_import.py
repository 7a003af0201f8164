import pytest
from django.core.management import CommandError, call_command

from intake.models import Lead, LeadStatus, Submission

pytestmark = pytest.mark.django_db

CSV = """Full Name,E-mail,Phone,Zip,Roof Type
Ann Lee,ann.lee@gmail.com,512-555-0134,78701,tile
Bob Stone,bob@@broken,,33130,metal
,,,,
Ann Lee,ANN.LEE@gmail.com,,78701,tile
"""


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(CSV)
    return path


def test_import_leads_maps_columns_and_reports_each_row(source, csv_file, capsys):
    call_command(
        "import_leads",
        str(csv_file),
        "--source",
        source.name,
        "--map",
        "Full Name=full_name",
        "--map",
        "E-mail=email",
        "--map",
        "Zip=postal_code",
    )

    out = capsys.readouterr().out
    assert "row 2: created" in out
    assert "row 3: created" in out  # a broken email is flagged, not refused
    assert "row 4: invalid" in out and "nothing identifies a person" in out
    assert "row 5: merged" in out
    assert "4 rows: 2 created, 1 merged, 1 invalid, 0 failed" in out
    ann = Lead.objects.get(email_normalized="ann.lee@gmail.com")
    assert ann.attributes == {"Roof Type": "tile"}
    assert ann.phone_e164 == "+15125550134"  # "Phone" matches the lead field case-insensitively
    assert Submission.objects.filter(door="csv").count() == 4


def test_import_with_outcome_keeps_past_leads_closed_for_training(source, tmp_path):
    path = tmp_path / "history.csv"
    path.write_text("email,Converted\na@gmail.com,1\nb@gmail.com,0\nc@gmail.com,yes\n")

    call_command("import_leads", str(path), "--source", source.name, "--outcome", "Converted")

    statuses = dict(Lead.objects.values_list("email_normalized", "status"))
    assert statuses == {
        "a@gmail.com": LeadStatus.WON,
        "b@gmail.com": LeadStatus.LOST,
        "c@gmail.com": LeadStatus.WON,
    }
    assert Lead.objects.filter(is_historical=True).count() == 3
    assert "Converted" not in Lead.objects.get(email_normalized="a@gmail.com").attributes


def test_a_missing_mapped_column_stops_before_any_row(source, csv_file):
    with pytest.raises(CommandError, match="Surname"):
        call_command(
            "import_leads", str(csv_file), "--source", source.name, "--map", "Surname=last_name"
        )

    assert not Submission.objects.exists()


def test_a_mapping_to_an_unknown_field_is_refused(source, csv_file):
    with pytest.raises(CommandError, match="not a lead field"):
        call_command("import_leads", str(csv_file), "--source", source.name, "--map", "Zip=zipcode")


def test_an_unknown_source_is_refused(db, csv_file):
    with pytest.raises(CommandError, match="No source named"):
        call_command("import_leads", str(csv_file), "--source", "Nope")


def test_the_report_file_lists_every_row(source, csv_file, tmp_path):
    report = tmp_path / "report.csv"
    call_command("import_leads", str(csv_file), "--source", source.name, "--report", str(report))

    lines = report.read_text().splitlines()
    assert lines[0] == "row,status,submission,lead,details"
    assert len(lines) == 5
