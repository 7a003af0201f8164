import pytest

from qualification.models import QualificationSettings, Signal
from qualification.services.registry import forget_loaded_models


@pytest.fixture(autouse=True)
def _fresh_models():
    # Loaded models are cached per process; each test starts from what its database holds.
    forget_loaded_models()
    yield
    forget_loaded_models()


@pytest.fixture
def signal(db):
    def make(name, condition, **effects):
        return Signal.objects.create(name=name, condition=condition, **effects)

    return make


@pytest.fixture
def config(db):
    return QualificationSettings.load()
