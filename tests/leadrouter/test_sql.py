"""leadrouter.sql: statements built from the models' meta give what the ORM would."""

from datetime import UTC, datetime

import pytest

from intake.models import Contact, ContactIdentity, Door, RateWindow, Submission
from leadrouter import sql

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_rows_inserted_read_back_through_the_orm_and_through_select_rows():
    ann, bo = Contact.objects.create(), Contact.objects.create()

    sql.rows_insert(
        ContactIdentity,
        ("contact_id", "kind", "value", "created_at"),
        [(ann.pk, "email", "ann@example.com", NOON), (bo.pk, "email", "bo@example.com", NOON)],
    )

    stored = ContactIdentity.objects.get(value="ann@example.com")
    assert (stored.contact_id, stored.created_at) == (ann.pk, NOON)
    assert sql.select_rows(
        ContactIdentity, ("value", "created_at"), order_by=("value",), kind="email"
    ) == [("ann@example.com", NOON), ("bo@example.com", NOON)]


def test_select_any_matches_each_key_as_a_whole():
    contact = Contact.objects.create()
    ContactIdentity.objects.create(contact=contact, kind="email", value="ann@example.com")
    ContactIdentity.objects.create(contact=contact, kind="phone", value="+15125550100")

    found = sql.select_any(
        ContactIdentity,
        ("kind", "value"),
        [{"kind": "email", "value": "ann@example.com"}, {"kind": "email", "value": "+15125550100"}],
    )

    assert found == [("email", "ann@example.com")]


def test_update_where_sets_prepared_values_and_increments_only_matching_rows(source):
    done, other = (
        Submission.objects.create(source=source, door=Door.API, body=b"{}", errors={"x": ["y"]})
        for _ in range(2)
    )

    updated = sql.update_where(
        Submission,
        {"status": Submission.Status.PROCESSED, "errors": {}, "processed_at": NOON},
        increment=("attempts",),
        id=done.pk,
        processed_at=None,
    )

    done.refresh_from_db()
    other.refresh_from_db()
    assert updated == 1
    assert (done.status, done.errors, done.processed_at, done.attempts) == (
        "processed",
        {},
        NOON,
        1,
    )
    assert (other.errors, other.attempts) == ({"x": ["y"]}, 0)


def test_exists_and_count_by_read_the_filters_like_the_orm(source):
    for status in ("processed", "processed", "invalid"):
        Submission.objects.create(source=source, door=Door.API, body=b"{}", status=status)

    assert sql.count_by(Submission, "status", source_id=source.pk) == {
        "processed": 2,
        "invalid": 1,
    }
    assert sql.count_by(Submission, "status", status__ne="processed") == {"invalid": 1}
    assert sql.exists(Submission, status__in=["invalid", "failed"], processed_at=None)
    assert not sql.exists(Submission, status="failed")


def test_upsert_increment_creates_the_row_then_adds_one(source):
    counts = [
        sql.upsert_increment(RateWindow, "count", source_id=source.pk, minute=7) for _ in "abc"
    ]

    assert counts == [1, 2, 3]
    assert RateWindow.objects.get(source=source, minute=7).count == 3
