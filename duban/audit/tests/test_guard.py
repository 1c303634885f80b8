"""The database itself refuses to change or delete audit events."""
import pytest
from django.db import DatabaseError, connection, transaction

from duban.audit import guard
from duban.audit.log import record
from duban.audit.models import AppendOnlyError, Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed():
    """Take away the test suite's flush permit, inside this test's transaction."""
    guard.close_for_tests()
    yield
    # The test's transaction is rolled back, which restores the permit.


def _sql(statement, params=()):
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement, params)


def test_the_application_refuses_updates_and_deletes(db):
    event = record("test.event", summary="x")
    with pytest.raises(AppendOnlyError):
        event.summary = "y"
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(summary="y")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


def test_the_database_refuses_an_update(closed):
    event = record("test.event", summary="原文")
    with pytest.raises(DatabaseError, match="append-only"):
        _sql("UPDATE audit_event SET summary = %s WHERE id = %s", ["篡改", event.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        _sql("UPDATE audit_event SET result = 'ok', action = 'x' WHERE id = %s", [event.pk])
    assert Event.objects.get(pk=event.pk).summary == "原文"


def test_the_database_refuses_a_delete(closed):
    event = record("test.event", summary="x")
    with pytest.raises(DatabaseError, match="append-only"):
        _sql("DELETE FROM audit_event WHERE id = %s", [event.pk])
    assert Event.objects.filter(pk=event.pk).exists()


def test_the_database_allows_clearing_a_deleted_persons_link(closed, office):
    event = record("test.event", actor=office, summary="x")
    office.delete()
    event = Event.objects.get(pk=event.pk)
    assert event.actor_id is None and event.actor_name == "office"


def test_the_database_refuses_pointing_an_event_at_another_person(closed, office, secadmin):
    event = record("test.event", actor=office, summary="x")
    with pytest.raises(DatabaseError, match="append-only"):
        _sql("UPDATE audit_event SET actor_id = %s WHERE id = %s", [secadmin.pk, event.pk])


def test_a_permit_allows_deleting_only_rows_older_than_its_cutoff(closed):
    from datetime import timedelta

    from django.utils import timezone

    event = record("test.event", summary="x")
    with transaction.atomic(), guard.deletion_permit(event.at - timedelta(seconds=1)):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute("DELETE FROM audit_event WHERE id = %s", [event.pk])
    with transaction.atomic(), guard.deletion_permit(timezone.now() + timedelta(seconds=1)):
        with connection.cursor() as cur:
            cur.execute("DELETE FROM audit_event WHERE id = %s", [event.pk])
    assert not Event.objects.filter(pk=event.pk).exists()
    record("test.event", summary="y")
    with pytest.raises(DatabaseError):  # the permit ended with its block
        _sql("DELETE FROM audit_event")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE guard is PostgreSQL only")
def test_the_database_refuses_truncate_on_postgresql(closed):
    record("test.event", summary="x")
    _sql("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending foreign-key checks first
    with pytest.raises(DatabaseError, match="append-only"):
        _sql("TRUNCATE audit_event CASCADE")
