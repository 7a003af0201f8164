"""History brought in with its owners: `import_leads --owner` matches reps by username, e-mail
or full name; `--create-owners` adds unknown ones as inactive reps who are never routed to;
imported leads are their owners' (reason "imported") without SLA clocks, routing or queue
work, except open leads of an active owner, which are theirs to work."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from intake.models import Lead, LeadEvent, LeadStatus, OrganisationSettings, Submission
from routing.models import Assignment, RoutingDecision, Team
from routing.selectors import rep_queue, stranded_leads
from routing.services import route_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(source, tmp_path, capsys):
    OrganisationSettings.objects.create(time_zone="America/Chicago")

    def run(text, *args):
        path = tmp_path / "history.csv"
        path.write_text(text)
        call_command("import_leads", str(path), "--source", source.name, *args)
        return capsys.readouterr().out

    return run


@pytest.fixture
def ann(make_rep):
    rep = make_rep("alee")
    rep.user.first_name, rep.user.last_name, rep.user.email = "Ann", "Lee", "ann@office.test"
    rep.user.save()
    return rep


OWNED = "--received-at", "Created", "--outcome", "Stage", "--owner", "Owner"


def owner_of(email):
    return Assignment.objects.select_related("rep__user").get(lead__email_normalized=email).rep


@pytest.mark.parametrize("cell", ["alee", "ALEE", "ann@office.test", "Ann@Office.TEST", "Ann Lee",
                                  "  ann   LEE "])  # fmt: skip
def test_an_owner_is_matched_by_username_email_or_full_name_in_any_case(run, ann, cell):
    out = run(f'Email,Created,Stage,Owner\nx@gmail.com,2026-03-04,won,"{cell}"\n', *OWNED)

    assert "1 created" in out
    assert owner_of("x@gmail.com") == ann


def test_a_closed_imported_lead_is_its_owners_without_clock_routing_or_queue_work(run, ann):
    run("Email,Created,Stage,Owner\nx@gmail.com,2026-03-04,won,alee\n", *OWNED)

    lead = Lead.objects.get(email_normalized="x@gmail.com")
    assignment = Assignment.objects.get(lead=lead)
    assert assignment.reason == Assignment.Reason.IMPORTED
    assert assignment.get_reason_display() == "Imported history"
    assert assignment.assigned_at == lead.received_at == datetime(2026, 3, 4, 6, tzinfo=UTC)
    assert assignment.ended_at is None  # like a live won lead: closed, still its owner's
    assert assignment.sla_state == "" and assignment.sla_due_at is None
    assert assignment.notified_at is not None  # nobody is told: nothing owed
    assert lead.is_historical and lead.status == LeadStatus.WON
    assert not RoutingDecision.objects.filter(lead=lead).exists()
    assert not rep_queue(user=ann.user).exists()
    assert "owner in the previous tool: alee" in lead.events.get(kind="imported").message


def test_an_open_imported_lead_of_an_active_owner_is_theirs_to_work(run, ann):
    run("Email,Created,Stage,Owner\nx@gmail.com,2026-03-04,,Ann Lee\n", *OWNED)

    lead = Lead.objects.get(email_normalized="x@gmail.com")
    assert lead.status == LeadStatus.ASSIGNED and not lead.is_historical
    assignment = Assignment.objects.get(lead=lead)
    assert assignment.rep == ann and assignment.reason == Assignment.Reason.IMPORTED
    assert assignment.sla_state == ""  # its first contact belonged to the previous tool
    assert not RoutingDecision.objects.filter(lead=lead).exists()
    assert [a.lead_id for a in rep_queue(user=ann.user)] == [lead.pk]
    assert not stranded_leads(now=timezone.now() + timedelta(hours=1)).exists()


def test_an_unknown_owner_is_reported_and_the_row_left_out(run, ann):
    text = (
        "Email,Created,Stage,Owner\n"
        "a@gmail.com,2026-03-04,won,alee\n"
        "b@gmail.com,2026-03-04,lost,Zed Old\n"
        "c@gmail.com,2026-03-04,lost,\n"
    )

    out = run(text, *OWNED)

    assert "row 3, column 'Owner': 'Zed Old' matches no rep's username, e-mail or full name" in out
    assert "3 rows: 2 created, 0 merged, 1 invalid, 0 failed" in out
    assert not Lead.objects.filter(email_normalized="b@gmail.com").exists()
    # No owner written: the lead is imported without one.
    assert not Assignment.objects.filter(lead__email_normalized="c@gmail.com").exists()
    assert Submission.objects.filter(status=Submission.Status.INVALID).count() == 1


def test_two_people_with_the_name_given_are_not_guessed_between(run, ann, make_rep):
    other = make_rep("annl")
    other.user.first_name, other.user.last_name = "Ann", "Lee"
    other.user.save()

    out = run("Email,Created,Stage,Owner\nx@gmail.com,2026-03-04,won,ann lee\n", *OWNED)

    assert "'ann lee' is the name of 2 people (alee, annl): write the owner's username" in out
    assert not Lead.objects.exists()


def test_create_owners_adds_inactive_reps_in_the_only_team_once(run, ann, team, django_user_model):
    text = (
        "Email,Created,Stage,Owner\n"
        "a@gmail.com,2026-03-04,won,Zed Old\n"
        "b@gmail.com,2026-03-05,lost,zed old\n"
        "c@gmail.com,2026-03-05,won,Kim@Before.test\n"
    )

    run(text, *OWNED, "--create-owners")
    run(text.replace("gmail", "yahoo"), *OWNED, "--create-owners")  # matches them now

    zed = owner_of("a@gmail.com")
    assert owner_of("b@gmail.com") == zed == owner_of("a@yahoo.com")
    assert not zed.is_active and zed.team == team
    assert (zed.user.username, zed.user.first_name, zed.user.last_name) == ("zed.old", "Zed", "Old")
    assert not zed.user.has_usable_password()
    kim = owner_of("c@gmail.com")
    assert (kim.user.username, kim.user.email, kim.is_active) == ("kim", "Kim@before.test", False)
    assert django_user_model.objects.filter(rep__is_active=False).count() == 2


def test_created_owners_are_never_routed_to(run, ann, team, make_rule, make_leads):
    run("Email,Created,Stage,Owner\na@gmail.com,2026-03-04,won,Zed Old\n", *OWNED,
        "--create-owners")  # fmt: skip
    zed = owner_of("a@gmail.com")
    make_rule(name="The whole team")  # the team's pool: Ann and Zed

    decisions = [route_lead(lead) for lead in make_leads(4)]

    assert {decision.rep for decision in decisions} == {ann}
    zed_as_candidate = [c for c in decisions[0].candidates if c["rep_id"] == zed.pk]
    assert zed_as_candidate == [] or zed_as_candidate[0]["excluded"]


def test_an_open_lead_of_an_inactive_owner_is_routed_like_a_new_one(run, ann, make_rule):
    make_rule(pool_reps=[ann])
    text = (
        "Email,Phone,Type,Created,Stage,Owner\na@gmail.com,512-555-0134,home,2026-03-04,,Zed Old\n"
    )

    run(text, "--map", "Type=request_type", *OWNED, "--create-owners")

    lead = Lead.objects.get(email_normalized="a@gmail.com")
    assert not lead.is_historical
    assignment = Assignment.objects.get(lead=lead, ended_at__isnull=True)
    assert assignment.rep == ann and assignment.reason == Assignment.Reason.INITIAL


def test_created_owners_need_a_team_named_when_there_are_several(run, ann, team):
    Team.objects.create(name="Dallas office")
    text = "Email,Created,Stage,Owner\na@gmail.com,2026-03-04,won,Zed Old\n"

    with pytest.raises(CommandError, match=r"name the team new owners join \(teams: "):
        run(text, *OWNED, "--create-owners")
    assert not Submission.objects.exists()

    run(text, *OWNED, "--create-owners", "--owner-team", "dallas office")
    assert owner_of("a@gmail.com").team.name == "Dallas office"


def test_a_user_without_a_rep_profile_becomes_an_inactive_rep_only_when_asked(
    run, ann, django_user_model
):
    mia = django_user_model.objects.create_user("mia", first_name="Mia", last_name="Cruz")
    text = "Email,Created,Stage,Owner\na@gmail.com,2026-03-04,won,Mia Cruz\n"

    out = run(text, *OWNED)
    assert "'Mia Cruz' is a user without a rep profile" in out

    run(text.replace("gmail", "yahoo"), *OWNED, "--create-owners")
    rep = owner_of("a@yahoo.com")
    assert rep.user == mia and not rep.is_active
    assert django_user_model.objects.filter(username__startswith="mia").count() == 1


def test_the_lead_page_marks_imported_history(run, ann, client):
    ann.user.set_password("pw-ann-12345")
    ann.user.save()
    run("Email,Created,Stage,Owner\nx@gmail.com,2026-03-04,won,alee\n", *OWNED)
    lead = Lead.objects.get(email_normalized="x@gmail.com")
    client.force_login(ann.user)

    page = client.get(reverse("routing:lead", args=[lead.pk])).content.decode()

    assert 'id="lead-imported"' in page
    assert "Imported history: won" in page
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEvent.Kind.IMPORTED).count() == 1


def test_the_admin_upload_imports_history_with_owners(admin_client, ann, source):
    OrganisationSettings.objects.create(time_zone="America/Chicago")
    upload = (
        b"Email,Created,Stage,Closed,Amount,Owner\n"
        b'x@gmail.com,3/4/2026,Closed Won,3/20/2026,"$1,250",Ann Lee\n'
        b"y@gmail.com,3/4/2026,pending,,,Zed Old\n"
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(
        reverse("admin:intake_lead_import"),
        {
            "source": source.pk,
            "file": SimpleUploadedFile("history.csv", upload, content_type="text/csv"),
            "received_at_column": "Created",
            "outcome_column": "Stage",
            "closed_at_column": "Closed",
            "value_column": "Amount",
            "owner_column": "Owner",
        },
    )

    page = response.content.decode()
    assert "row 3, column &#x27;Owner&#x27;: &#x27;Zed Old&#x27; matches no rep" in page
    won = Lead.objects.get(email_normalized="x@gmail.com")
    assert (won.status, str(won.outcome_value)) == (LeadStatus.WON, "1250.00")
    assert won.received_at == datetime(2026, 3, 4, 6, tzinfo=UTC)
    assert owner_of("x@gmail.com") == ann


def test_a_failure_recording_the_owner_keeps_the_lead_and_routes_an_open_one(
    run, ann, make_rule, monkeypatch
):
    make_rule(pool_reps=[ann])

    def broken(**_):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr("routing.services.assignment_import", broken)
    text = (
        "Email,Phone,Type,Created,Stage,Owner\n"
        "a@gmail.com,512-555-0134,home,2026-03-04,,alee\n"
        "b@gmail.com,,,2026-03-04,won,alee\n"
    )

    out = run(text, "--map", "Type=request_type", *OWNED)

    assert "2 rows: 2 created" in out
    still_open = Lead.objects.get(email_normalized="a@gmail.com")
    assert Assignment.objects.get(lead=still_open).reason == Assignment.Reason.INITIAL
    won = Lead.objects.get(email_normalized="b@gmail.com")
    assert not Assignment.objects.filter(lead=won).exists()
    assert won.events.filter(message__startswith="Recording the owner from the file failed")
