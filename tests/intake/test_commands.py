import re
from datetime import time

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from intake.models import Lead, Source, Submission
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db


def test_create_source_prints_a_working_key_once_and_its_urls(capsys):
    call_command("create_source", "Meta ads", "--channel", "vendor", "--secret", "app-secret")

    out = capsys.readouterr().out
    key = re.search(r"API key:\s+(lrs_\S+)", out).group(1)
    source = Source.objects.get(name="Meta ads")
    assert source.secret == "app-secret"
    assert key not in source.api_key_hash  # stored hashed
    assert f"/f/{source.public_id}/" in out and f"/hooks/api/{source.public_id}/" in out
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert post_lead(client, {"email": "a@gmail.com"}).status_code == 201


def test_create_source_prints_urls_on_the_site_url(settings, capsys):
    settings.SITE_URL = "https://leads.example.com/"
    call_command("create_source", "Website", "--channel", "web")

    out = capsys.readouterr().out
    source = Source.objects.get(name="Website")
    assert "POST https://leads.example.com/api/v1/leads/" in out
    assert f"Form URL: https://leads.example.com/f/{source.public_id}/" in out
    assert f"POST https://leads.example.com/hooks/form/{source.public_id}/" in out
    assert "localhost" not in out


def test_create_source_base_url_overrides_the_site_url(settings, capsys):
    settings.SITE_URL = "https://leads.example.com"
    call_command("create_source", "Website", "--base-url", "http://127.0.0.1:9000/")

    out = capsys.readouterr().out
    assert "POST http://127.0.0.1:9000/api/v1/leads/" in out
    assert "leads.example.com" not in out


def test_an_api_hook_without_a_secret_is_not_said_to_reject_deliveries(capsys):
    call_command("create_source", "Zapier", "--channel", "vendor", "--adapter", "api")

    captured = capsys.readouterr()
    assert "rejected" not in captured.err
    assert "Warning" not in captured.err
    assert "Secret:   not used: send the source's API key" in captured.out
    # And deliveries are indeed accepted, with the source's API key.
    key = re.search(r"API key:\s+(lrs_\S+)", captured.out).group(1)
    source = Source.objects.get(name="Zapier")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = client.post(
        f"/hooks/api/{source.public_id}/", {"email": "a@gmail.com"}, format="json"
    )
    assert response.status_code == 201


def test_a_vendor_hook_without_a_secret_is_said_to_reject_deliveries(capsys):
    call_command("create_source", "Typeform", "--channel", "vendor", "--adapter", "typeform")

    assert "every delivery to this webhook will be rejected" in capsys.readouterr().err


def test_create_source_refuses_a_duplicate_name(source):
    with pytest.raises(CommandError, match="name"):
        call_command("create_source", source.name)


def test_create_api_token_prints_a_token_that_acts_as_the_user(django_user_model, capsys):
    django_user_model.objects.create_user("dana", is_staff=True)
    call_command("create_api_token", "dana")

    token = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/leads/").status_code == 200


def test_create_api_token_for_an_unknown_user_fails_clearly():
    with pytest.raises(CommandError, match="No user named"):
        call_command("create_api_token", "ghost")


def test_reprocess_submissions_turns_failed_ones_into_leads(api, monkeypatch, capsys):
    from intake.services import leads

    monkeypatch.setattr(leads, "contact_resolve", lambda **_: 1 / 0)
    post_lead(api, {"email": "ann@gmail.com"})
    monkeypatch.undo()

    call_command("reprocess_submissions")

    assert "1 created" in capsys.readouterr().out
    assert Submission.objects.get().status == Submission.Status.PROCESSED
    assert Lead.objects.count() == 1


def test_demo_loads_an_organisation_idempotently(capsys):
    call_command("demo", "--leads", "40")
    first = Lead.objects.count()
    call_command("demo", "--leads", "40")

    out = capsys.readouterr().out
    assert first >= 30
    assert Lead.objects.count() == first
    assert "Demo leads already loaded" in out
    keys = re.findall(r"key (lrs_\S+)", out)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {keys[-1]}")  # keys printed by the last run work
    assert post_lead(client, {"email": "new.person@gmail.com"}).status_code == 201


def test_the_demo_manager_runs_the_team_and_may_configure_routing(capsys):
    from django.contrib.auth import get_user_model

    from routing.models import Assignment, LicenceRequirement, Team

    call_command("demo", "--leads", "40")

    manager = get_user_model().objects.get(username="manager")
    assert Team.objects.get(name="Austin office").manager == manager
    assert manager.has_perm("routing.change_routingrule")
    assert Assignment.objects.filter(rep__isnull=False).exists()
    # Insurance quotes and refinancing need a rep licensed in the lead's state; no rep holds
    # a lead of that kind from a state they are not licensed in.
    licence = LicenceRequirement.objects.get()
    assert (licence.applies_to, licence.request_types) == ("request_types", ["quote", "refinance"])
    licensed = Assignment.objects.filter(
        rep__isnull=False, lead__qualification__request_type__in=["quote", "refinance"]
    ).select_related("rep", "lead")
    assert licensed.exists()
    for assignment in licensed:
        assert assignment.lead.state in assignment.rep.licensed_states, assignment.lead


def test_the_demo_has_office_hours_sla_policies_and_a_clock_in_each_state(capsys):
    from routing.models import Assignment, RoutingRule, SlaPolicy, SlaState, SlaStepRecord, Team

    call_command("demo", "--leads", "10")
    call_command("demo", "--leads", "10")

    calendar = Team.objects.get(name="Austin office").calendar
    assert calendar is not None and calendar.holiday_country == "US"
    assert calendar.time_zone == "America/Chicago"
    assert sorted(calendar.opening_hours.values_list("weekday", "opens", "closes")) == [
        (day, time(8), time(18)) for day in range(5)
    ]
    assert SlaPolicy.objects.count() == RoutingRule.objects.count() == 4
    for policy in SlaPolicy.objects.all():
        assert sorted(policy.targets.values_list("urgency", "minutes")) == [("", 30), ("urgent", 5)]
        assert list(policy.steps.values_list("kind", "percent")) == [
            ("remind", 50),
            ("reassign", 100),
        ]
        assert policy.escalate_after_reassignments == 2
    demo = Assignment.objects.filter(lead__email__startswith="sla.demo.")
    by_lead = {
        email.split(".")[2].split("@")[0]: state
        for email, state in demo.filter(ended_at__isnull=True).values_list(
            "lead__email", "sla_state"
        )
    }
    # The breached lead was reassigned at its deadline: its new owner's clock runs.
    assert by_lead == {
        "running": SlaState.RUNNING,
        "paused": SlaState.PAUSED,
        "met": SlaState.MET,
        "breached": SlaState.RUNNING,
    }
    missed = demo.get(lead__email="sla.demo.breached@example.com", ended_at__isnull=False)
    assert missed.sla_state == SlaState.BREACHED
    assert SlaStepRecord.objects.filter(assignment=missed, kind="reassign", outcome="done").exists()
    assert demo.count() == 5  # the second run added none
