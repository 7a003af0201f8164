"""The environment alone selects SQLite or PostgreSQL, the ORM or Redis broker and cache."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from intake.rate_limit import source_rate_check

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "options": settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": "redis" if "redis" in settings.Q_CLUSTER else settings.Q_CLUSTER.get("orm"),
    "outbound_private": settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS,
}))
"""


def settings_under(env: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "leadrouter.settings",
            "SECRET_KEY": "a-test-key-that-is-long-and-random-enough-0123456789",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_default_is_sqlite_in_wal_mode_with_the_orm_broker_and_no_shared_cache(tmp_path):
    found = settings_under({"SQLITE_PATH": str(tmp_path / "x.sqlite3")})

    assert found["engine"] == "django.db.backends.sqlite3"
    assert "journal_mode=WAL" in found["options"]["init_command"]
    assert found["options"]["transaction_mode"] == "IMMEDIATE"
    assert found["broker"] == "default"
    assert found["cache"] == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.parametrize(
    ("env", "allowed"),
    [
        ({}, False),
        ({"OUTBOUND_ALLOW_PRIVATE_NETWORKS": "true"}, True),
        ({"WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true"}, True),
        ({"WEBHOOKS_ALLOW_PRIVATE_TARGETS": "false"}, False),
    ],
)
def test_private_outbound_targets_are_refused_unless_either_setting_allows_them(
    tmp_path, env, allowed
):
    found = settings_under({"SQLITE_PATH": str(tmp_path / "x.sqlite3"), **env})

    assert found["outbound_private"] is allowed


def test_database_url_and_redis_url_switch_to_postgresql_and_redis():
    found = settings_under(
        {"DATABASE_URL": "postgres://u@127.0.0.1:5432/leadrouter", "REDIS_URL": REDIS_URL}
    )

    assert found["engine"] == "django.db.backends.postgresql"
    assert found["broker"] == "redis"
    assert found["cache"] == "django.core.cache.backends.redis.RedisCache"


@pytest.mark.django_db
def test_the_rate_limit_is_shared_through_redis(source, time_machine):
    time_machine.move_to("2026-11-23 10:00:30Z", tick=False)
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"test-{os.getpid()}",
        }
    }
    source.rate_limit_per_minute = 2
    with override_settings(CACHES=redis_cache):
        caches["default"].clear()
        results = [source_rate_check(source)[0] for _ in range(3)]
        # Another process has its own client: it reads the same counter from Redis.
        other_process = caches.create_connection("default")
        window = int(time.time() // 60)
        shared_count = other_process.get(f"intake:rate:{source.pk}:{window}")
        caches["default"].clear()

    assert results == [True, True, False]
    assert shared_count == 3


# --- the secret key -------------------------------------------------------------------------

DEVELOPMENT_KEY = "django-insecure-development-key-do-not-use-in-production"
PRODUCTION_KEY = "x" * 30 + "-a-long-random-production-secret-value"


def manage(*args: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "SQLITE_PATH": str(tmp_path / "k.sqlite3"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "env",
    [
        {"DEBUG": "0"},
        {"DEBUG": "false", "SECRET_KEY": ""},
        {"SECRET_KEY": DEVELOPMENT_KEY},
    ],
    ids=["no key", "empty key", "the development key"],
)
def test_without_debug_it_refuses_to_start_on_a_missing_or_public_key(tmp_path, env):
    result = manage("check", "--deploy", env=env, tmp_path=tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr
    assert "DEBUG=true" in result.stderr  # what a developer sets instead


def test_with_debug_a_development_machine_runs_on_the_development_key(tmp_path):
    result = manage("check", env={"DEBUG": "true"}, tmp_path=tmp_path)

    assert result.returncode == 0, result.stderr


def test_with_a_proper_key_check_deploy_passes(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DEBUG": "0",
            "SECRET_KEY": PRODUCTION_KEY,
            "ALLOWED_HOSTS": "leads.example.com",
            "SECURE_SSL_REDIRECT": "true",
            "SECURE_HSTS_SECONDS": "31536000",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_PRELOAD": "true",
        },
        tmp_path=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
