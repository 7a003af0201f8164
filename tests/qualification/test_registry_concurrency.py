"""What qualifying needs besides the lead (active models, signals, settings) is loaded once per
process; the first leads after a worker starts arrive together. Real threads, each with its own
connection, on SQLite and PostgreSQL."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from intake.models import Contact, Lead, LeadStatus
from qualification.ml import ConversionModel
from qualification.models import ModelVersion, QualificationSettings, Signal
from qualification.services import lead_judge
from qualification.services.registry import forget_loaded_models

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 16


def test_16_leads_at_once_on_a_cold_worker_all_get_the_model_the_signals_and_the_settings(
    source, monkeypatch
):
    version = ModelVersion.objects.create(
        kind=ModelVersion.Kind.CONVERSION,
        trained_rows=400,
        weights=ConversionModel([], [], [], 0.0).to_json(),
        is_active=True,
    )
    Signal.objects.create(
        name="Legal",
        condition={"field": "message", "op": "contains_any", "value": ["lawyer", "attorney"]},
        send_to_review=True,
        review_reason="mentions a lawyer",
    )
    QualificationSettings.objects.update_or_create(pk=1, defaults={"review_score_at_least": 40})
    now = timezone.now()
    leads = [
        Lead.objects.create(
            contact=Contact.objects.create(),
            source=source,
            channel=source.channel,
            status=LeadStatus.NEW,
            received_at=now,
            last_touch_at=now,
            full_name=f"Person {i}",
            request_type="home",
            message="My attorney asked me to get a quote",
        )
        for i in range(THREADS)
    ]
    forget_loaded_models()  # a worker just started (gunicorn's master got a HUP)
    # The settings row arrives slowly, so the other leads come in while the first one loads.
    load = QualificationSettings.load.__func__

    def slow_load(cls):
        time.sleep(0.3)
        return load(cls)

    monkeypatch.setattr(QualificationSettings, "load", classmethod(slow_load))
    barrier = threading.Barrier(THREADS)

    def judge(lead_id):
        try:
            lead = Lead.objects.select_related("source").get(pk=lead_id)
            barrier.wait(timeout=30)
            judgement, _ = lead_judge(lead)
            return judgement
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        judgements = list(pool.map(judge, [lead.pk for lead in leads]))

    # Scored by the active model, held by the signal, and by the score threshold in settings.
    assert [j.score_source for j in judgements] == ["model"] * THREADS
    assert [j.models_used for j in judgements] == [{"conversion": version.pk}] * THREADS
    assert all("mentions a lawyer (Legal)" in j.review_reasons for j in judgements)
    assert all(any("review at 40+" in r for r in j.review_reasons) for j in judgements), [
        (j.score, j.review_reasons) for j in judgements
    ]
