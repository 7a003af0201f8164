import pytest

from intake.services import webhook_endpoint_create
from intake.webhooks.events import EVENT_TYPES
from tests.fake_http import FakeServer


@pytest.fixture
def private_targets(settings):
    """The test receiver listens on 127.0.0.1, which webhooks refuse unless allowed."""
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    settings.OUTBOUND_ALLOWED_HOSTS = []


@pytest.fixture
def receiver(private_targets):
    with FakeServer() as server:
        yield server


@pytest.fixture
def make_endpoint(db, private_targets):
    def make(url="http://127.0.0.1:9/hook", events=EVENT_TYPES, **fields):
        endpoint, secret = webhook_endpoint_create(url=url, events=list(events), **fields)
        endpoint.raw_secret = secret
        return endpoint

    return make
