"""Fixtures for vendor doors: a source per adapter, the documented sample bodies, a poster."""

from pathlib import Path

import pytest

from intake.models import Adapter

# Copied verbatim from ../shared/vendor-samples/ (documented vendor bodies; see its README.md)
# so that a clone anywhere runs the same tests.
SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "vendor-samples"


def sample(name: str) -> bytes:
    """A vendor's documented example body from ../shared/vendor-samples/, byte for byte."""
    return (SAMPLES / name).read_bytes().strip()


@pytest.fixture
def hook_source(make_source):
    """hook_source("google_ads", secret="…") -> an active source using that adapter."""

    def make(adapter: str, *, secret: str = "", **fields):
        return make_source(
            name=fields.pop("name", f"{adapter} source"),
            channel=fields.pop("channel", "vendor"),
            adapter=Adapter(adapter),
            secret=secret,
            **fields,
        )

    return make


def hook_url(source) -> str:
    return f"/hooks/{source.adapter}/{source.public_id}/"


def post_hook(client, source, body: bytes, content_type="application/json", **headers):
    """POST a raw body to the source's hook URL; headers as Django test-client kwargs."""
    return client.generic("POST", hook_url(source), body, content_type=content_type, **headers)
