import pytest

from qualification.models import QualificationSettings, Signal


@pytest.fixture
def signal(db):
    def make(name, condition, **effects):
        return Signal.objects.create(name=name, condition=condition, **effects)

    return make


@pytest.fixture
def config(db):
    return QualificationSettings.load()
