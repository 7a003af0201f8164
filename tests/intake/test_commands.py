import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from intake.models import Lead, Source, Submission
from tests.conftest import post_lead

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


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

    monkeypatch.setattr(leads, "contact_resolve", lambda **kw: 1 / 0)
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

    from routing.models import Assignment, Team

    call_command("demo", "--leads", "40")

    manager = get_user_model().objects.get(username="manager")
    assert Team.objects.get(name="Austin office").manager == manager
    assert manager.has_perm("routing.change_routingrule")
    assert Assignment.objects.filter(rep__isnull=False).exists()


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "false",
        "SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-value",
        "ALLOWED_HOSTS": "leads.example.com",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "SQLITE_PATH": str(tmp_path / "deploy.sqlite3"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_with_the_development_secret(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "SQLITE_PATH": str(tmp_path / "d.sqlite3")},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr
