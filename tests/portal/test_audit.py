import pytest
from django.db import DatabaseError, connection, transaction

from portal import auditing
from portal.models import AuditEvent
from portal.models.audit import AppendOnlyError


def test_one_row_per_login(client, analyst):
    client.post(
        "/accounts/login/", {"login": analyst.email, "password": "correct-horse-battery-staple"}
    )
    events = AuditEvent.objects.filter(action="login")
    assert events.count() == 1
    event = events.get()
    assert event.actor == analyst and event.source_ip == "127.0.0.1" and len(event.request_id) >= 8


def test_request_id_is_sent_back_and_recorded(client, analyst):
    response = client.post(
        "/accounts/login/",
        {"login": analyst.email, "password": "correct-horse-battery-staple"},
        headers={"X-Request-ID": "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"},
    )
    assert response["X-Request-ID"] == "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    assert AuditEvent.objects.get(action="login").request_id == response["X-Request-ID"]


@pytest.mark.parametrize("incoming", ["0812345678", "095-9-1234-5678-99", "AungKyawZawMinOo"])
def test_a_request_id_that_could_be_a_phone_or_a_name_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming and len(response["X-Request-ID"]) == 32


def test_rows_cannot_be_changed_or_deleted(db):
    event = auditing.record(auditing.Action.VIEW, object_type="test", object_id=1)
    event.action = "delete"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgresql
def test_postgresql_refuses_raw_updates_and_deletes(db):
    auditing.record(auditing.Action.VIEW, object_type="test", object_id=1)
    for statement in ("UPDATE portal_auditevent SET action = 'x'", "DELETE FROM portal_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


def test_rolled_back_change_leaves_no_audit_row(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        auditing.record(auditing.Action.UPDATE, object_type="test", object_id=1)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == 0


def test_diff_masks_sensitive_values():
    changes = auditing.diff(
        {"phone": "0812", "status": "intake"},
        {"phone": "0999", "status": "active"},
        sensitive={"phone"},
    )
    assert changes == {"phone": [auditing.MASK, auditing.MASK], "status": ["intake", "active"]}
    assert auditing.diff({"a": "1"}, {"a": "1"}) == {}


def test_admin_cannot_change_audit_rows_in_the_django_admin(client, signed_in, admin_user):
    event = auditing.record(auditing.Action.VIEW, object_type="test", object_id=1)
    signed_in(admin_user)
    assert client.get("/admin/portal/auditevent/").status_code == 200
    response = client.post(f"/admin/portal/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
