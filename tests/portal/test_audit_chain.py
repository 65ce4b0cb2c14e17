"""The audit log's hash chain: rows changed, removed or added behind the application's back
(raw SQL, as someone with database access would) are found and named; the daily task
e-mails the chain's head; the audit screen shows the last verification."""

import importlib
import threading
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal import audit_chain, audit_integrity, auditing, tasks
from portal.models import AuditChainCheck, AuditChainHead, AuditEvent
from portal.models import audit as audit_model
from tests.people.factories import PersonFactory

TRIGGER = "portal_auditevent_append_only"


def raw(sql: str, params=()) -> None:
    """Run SQL on the audit table as its owner would, past the append-only trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Checks deferred to the end of the test's transaction would forbid ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE portal_auditevent DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE portal_auditevent ENABLE TRIGGER {TRIGGER}")


def write_rows(count: int = 6) -> list[int]:
    for number in range(count - 2):
        auditing.record(
            auditing.Action.VIEW, object_type="test", object_id=number, changes={"n": [0, number]}
        )
    auditing.record_many(
        auditing.Action.UPDATE,
        actor=None,
        rows=[{"object_type": "test", "object_id": n, "changes": {"t": (1, 2)}} for n in (1, 2)],
    )
    return list(AuditEvent.objects.order_by("chain_seq").values_list("id", flat=True))


def recompute_from(row_id: int) -> None:
    """What a careful attacker does after changing a row: recompute its hash and every later
    one, and move the head, so that the chain is consistent again."""
    rows = list(AuditEvent.objects.order_by("chain_seq"))
    previous = audit_chain.GENESIS
    for event in rows:
        if event.pk >= row_id:
            new = audit_chain.digest(audit_chain.content_of(event), event.chain_seq, previous)
            raw(
                "UPDATE portal_auditevent SET chain_previous = %s, chain_hash = %s WHERE id = %s",
                [previous, new, event.pk],
            )
            event.chain_hash = new
        previous = event.chain_hash
    AuditChainHead.objects.filter(pk=AuditChainHead.HEAD_ID).update(hash=previous)


def test_rows_written_by_the_application_form_an_intact_chain(db):
    ids = write_rows()
    state = audit_integrity.verify()
    assert state.ok, state.detail
    assert state.rows == 6 and state.last_row_id == ids[-1]
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (6, state.last_hash)
    seqs = list(AuditEvent.objects.order_by("id").values_list("chain_seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5, 6]


def test_changed_content_is_named(db):
    ids = write_rows()
    raw("UPDATE portal_auditevent SET action = 'delete' WHERE id = %s", [ids[2]])
    state = audit_integrity.verify()
    assert (state.broken_row_id, state.problem) == (ids[2], "changed")
    assert state.rows == 2 and state.last_row_id == ids[1]


def test_changed_json_content_is_named(db):
    ids = write_rows()
    raw(
        "UPDATE portal_auditevent SET changes = %s WHERE id = %s",
        ['{"n": [0, 99]}', ids[1]],
    )
    state = audit_integrity.verify()
    assert (state.broken_row_id, state.problem) == (ids[1], "changed")


def test_changed_row_with_its_hash_recomputed_is_named(db):
    ids = write_rows()
    raw("UPDATE portal_auditevent SET object_id = 'x' WHERE id = %s", [ids[2]])
    event = AuditEvent.objects.get(pk=ids[2])
    new = audit_chain.digest(audit_chain.content_of(event), event.chain_seq, event.chain_previous)
    raw("UPDATE portal_auditevent SET chain_hash = %s WHERE id = %s", [new, ids[2]])
    state = audit_integrity.verify()
    assert (state.broken_row_id, state.problem) == (ids[2], "changed")
    assert f"row {ids[3]}" in state.detail


def test_missing_row_is_named(db):
    ids = write_rows()
    raw("DELETE FROM portal_auditevent WHERE id = %s", [ids[3]])
    state = audit_integrity.verify()
    assert (state.broken_row_id, state.problem) == (ids[4], "missing")
    assert "places 4–4" in state.detail


def test_missing_last_rows_are_found_from_the_head(db):
    ids = write_rows()
    raw("DELETE FROM portal_auditevent WHERE id >= %s", [ids[4]])
    state = audit_integrity.verify()
    assert state.problem == "missing" and "5–6" in state.detail and str(ids[3]) in state.detail


def test_inserted_row_is_named(db):
    ids = write_rows()
    raw(
        "INSERT INTO portal_auditevent (occurred_at, action, object_type, object_id, request_id,"
        " path, changes, chain_previous, chain_hash) VALUES (%s, 'view', 'test', '9', '', '',"
        " '{}', '', '')",
        [AuditEvent.objects.get(pk=ids[0]).occurred_at],
    )
    inserted = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    state = audit_integrity.verify()
    assert (state.broken_row_id, state.problem) == (inserted, "inserted")


def test_row_added_at_the_end_without_moving_the_head_is_named(db):
    ids = write_rows()
    last = AuditEvent.objects.get(pk=ids[-1])
    forged = AuditEvent(action="view", object_type="test", object_id="forged")
    forged.chain_seq, forged.chain_previous = last.chain_seq + 1, last.chain_hash
    forged.chain_hash = audit_chain.digest(
        audit_chain.content_of(forged), forged.chain_seq, last.chain_hash
    )
    raw(
        "INSERT INTO portal_auditevent (occurred_at, action, object_type, object_id, request_id,"
        " path, changes, chain_seq, chain_previous, chain_hash)"
        " VALUES (%s, 'view', 'test', 'forged', '', '', '{}', %s, %s, %s)",
        [forged.occurred_at, forged.chain_seq, forged.chain_previous, forged.chain_hash],
    )
    state = audit_integrity.verify()
    assert state.problem == "inserted"
    assert state.broken_row_id == AuditEvent.objects.get(object_id="forged").pk


def test_recomputed_chain_is_found_from_an_earlier_check_and_from_an_emailed_head(db):
    ids = write_rows()
    earlier = audit_integrity.check_chain()
    assert earlier.ok and earlier.last_row_id == ids[-1]
    raw("UPDATE portal_auditevent SET action = 'export' WHERE id = %s", [ids[1]])
    recompute_from(ids[1])
    # The stored check is an anchor too; without it, only the e-mailed head tells.
    assert audit_integrity.verify().problem == "rewritten"
    AuditChainCheck.objects.all().delete()
    assert audit_integrity.verify().ok
    state = audit_integrity.verify({earlier.last_row_id: earlier.last_hash})
    assert (state.broken_row_id, state.problem) == (ids[-1], "rewritten")


def test_verify_audit_command_names_the_broken_row_and_exits_non_zero(db, capsys):
    ids = write_rows()
    call_command("verify_audit")
    assert "Audit chain intact: 6 rows verified" in capsys.readouterr().out
    raw("DELETE FROM portal_auditevent WHERE id = %s", [ids[2]])
    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")
    assert exit_info.value.code == 1
    error = capsys.readouterr().err
    assert f"BROKEN at row {ids[3]}" in error and "missing row" in error
    latest = AuditChainCheck.objects.first()
    assert not latest.ok and latest.broken_row_id == ids[3]


def test_verify_audit_command_checks_an_expected_head(db, capsys):
    ids = write_rows()
    with pytest.raises(SystemExit):
        call_command("verify_audit", "--expect", f"{ids[2]}:{'a' * 64}")
    assert "rewritten" in capsys.readouterr().err
    with pytest.raises(Exception, match="ROW:HASH"):
        call_command("verify_audit", "--expect", "nonsense")


def test_migration_chains_rows_written_before_the_chain(db):
    write_rows()
    raw("UPDATE portal_auditevent SET chain_seq = NULL, chain_previous = '', chain_hash = ''")
    AuditChainHead.objects.all().delete()
    assert audit_integrity.verify().problem == "inserted"
    migration = importlib.import_module("portal.migrations.0012_chain_existing_audit_rows")

    def execute(sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql)

    # The models as the migration sees them (plain managers, no append-only refusal).
    state = MigrationLoader(connection).project_state(("portal", "0011_audit_hash_chain"))
    migration.forwards(state.apps, SimpleNamespace(connection=connection, execute=execute))
    state = audit_integrity.verify()
    assert state.ok and state.rows == 6
    auditing.record(auditing.Action.VIEW, object_type="test", object_id="after")
    assert audit_integrity.verify().rows == 7


def test_daily_task_stores_the_result_and_emails_the_head_without_personal_data(
    db, admin_user, case_worker_mae_sot
):
    person = PersonFactory(full_name="Secret Name Aung")
    auditing.record(auditing.Action.VIEW, actor=case_worker_mae_sot, obj=person)
    result = tasks.verify_audit_chain()
    check = AuditChainCheck.objects.get()
    assert result["ok"] and check.ok and result["recipients"] == 1
    message = mail.outbox[-1]
    assert message.to == [admin_user.email]
    assert str(check.last_row_id) in message.subject
    assert check.last_hash in message.body and f"--expect {check.last_row_id}:" in message.body
    text = message.subject + message.body
    for secret in ("Secret Name Aung", person.case_number, case_worker_mae_sot.email):
        assert secret not in text


def test_daily_task_reports_a_broken_chain(db, admin_user):
    ids = write_rows()
    raw("UPDATE portal_auditevent SET path = '/x' WHERE id = %s", [ids[0]])
    result = tasks.verify_audit_chain()
    assert not result["ok"] and result["broken_row_id"] == ids[0]
    assert f"BROKEN at row {ids[0]}" in mail.outbox[-1].subject


def test_audit_screen_shows_the_last_verification(client, signed_in, admin_user):
    signed_in(admin_user)
    url = reverse("portal:audit_list")
    assert "not been verified yet" in client.get(url).content.decode()
    ids = write_rows()
    check = audit_integrity.check_chain()
    page = client.get(url).content.decode()
    assert f"verified up to row {check.last_row_id} ({check.rows} rows)" in page
    raw("UPDATE portal_auditevent SET action = 'x' WHERE id = %s", [ids[4]])
    audit_integrity.check_chain()
    page = client.get(url).content.decode()
    assert f"broken at row {ids[4]}" in page and "changed content" in page


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_chain():
    """Two threads write audit rows at once, several rows per transaction and some rolled
    back: the chain stays one line and verifies."""
    barrier = threading.Barrier(2)
    errors = []

    def writer(name: str) -> None:
        try:
            barrier.wait()
            for number in range(40):
                try:
                    with transaction.atomic():
                        auditing.record(auditing.Action.VIEW, object_type=name, object_id=number)
                        auditing.record_many(
                            auditing.Action.UPDATE,
                            actor=None,
                            rows=[{"object_type": name, "object_id": number}] * 2,
                        )
                        if number % 10 == 9:
                            raise RuntimeError("rolled back")
                except RuntimeError:
                    pass
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    state = audit_integrity.verify()
    assert state.ok, state.detail
    assert state.rows == AuditEvent.objects.count() == 2 * 36 * 3
    assert AuditChainHead.objects.get().seq == state.rows


# --- What one audit write costs, and writers that race -------------------------------------


def statements_of(write) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        write()
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("rows", [1, 40])
def test_an_audit_write_is_one_statement_fewer_on_postgresql(db, rows):
    """Before: the head locked, the head moved, the rows inserted. Now on PostgreSQL: the head
    read, then the head moved and the rows inserted in one statement. SQLite keeps the three
    (its writes are serialised by the database lock anyway)."""
    auditing.record(auditing.Action.VIEW, object_type="test", object_id="first")  # the head

    def write():
        auditing.record_many(
            auditing.Action.VIEW,
            actor=None,
            rows=[{"object_type": "test", "object_id": n} for n in range(rows)],
        )

    statements = statements_of(write)
    if connection.vendor == "postgresql":
        assert len(statements) == 2, statements
        assert statements[0].startswith("SELECT") and "FOR UPDATE" not in statements[0]
        assert statements[1].startswith("WITH moved AS (UPDATE")
    else:
        assert len(statements) == 3, statements
    state = audit_integrity.verify()
    assert state.ok and state.rows == rows + 1


def test_a_saved_audit_row_has_its_id_and_is_no_longer_new(db):
    event = auditing.record(auditing.Action.VIEW, object_type="test", object_id="one")
    assert event.pk is not None and not event._state.adding
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.object_id, stored.chain_seq, stored.chain_hash) == (
        "one",
        event.chain_seq,
        event.chain_hash,
    )
    with pytest.raises(audit_model.AppendOnlyError):
        event.save()


def test_rows_written_in_one_batch_keep_their_values_and_get_their_own_ids(db, admin_user):
    """Every column's type in every row of one INSERT (on PostgreSQL only the first row's
    values are cast to their columns' types; the others take them from it)."""
    events = [
        AuditEvent(
            actor=admin_user if n % 2 else None,
            action="update",
            object_type="test",
            object_id=str(n),
            person_id=None if n == 0 else 3_000_000_000 + n,
            source_ip=None if n == 0 else f"10.0.0.{n}",
            path=f"/people/{n}/",
            changes={"n": [n, str(n)]},
        )
        for n in range(5)
    ]
    AuditEvent.objects.bulk_create(events)

    def columns(event):
        return (event.pk, event.chain_seq, event.actor_id, event.person_id, event.source_ip,
                event.path, event.changes)  # fmt: skip

    stored = AuditEvent.objects.filter(object_type="test").order_by("chain_seq")
    assert [columns(event) for event in stored] == [columns(event) for event in events]
    seqs = [event.chain_seq for event in events]
    assert seqs == list(range(seqs[0], seqs[0] + 5))
    assert audit_integrity.verify().ok


def test_a_write_after_the_head_was_lost_continues_from_the_last_row(db):
    write_rows()
    AuditChainHead.objects.all().delete()
    auditing.record(auditing.Action.VIEW, object_type="test", object_id="after")
    state = audit_integrity.verify()
    assert state.ok and state.rows == 7
    assert AuditChainHead.objects.get().seq == 7


@pytest.mark.postgresql
def test_a_writer_whose_head_moved_meanwhile_retries_after_it(db, monkeypatch):
    """The head read, then moved by someone else before the write: nothing is inserted on
    the stale head; the writer reads the head again and chains after the new last row."""
    write_rows(3)
    tries = []
    original = audit_model._insert_if_head_unchanged

    def moved_by_someone_else_first(events, head_seq, head_hash, using):
        tries.append(head_seq)
        if len(tries) == 1:
            auditing.record(auditing.Action.VIEW, object_type="test", object_id="meanwhile")
        return original(events, head_seq, head_hash, using)

    monkeypatch.setattr(audit_model, "_insert_if_head_unchanged", moved_by_someone_else_first)
    auditing.record(auditing.Action.VIEW, object_type="test", object_id="late")
    assert tries == [3, 3, 4]  # the late write, the write meanwhile, the late write again
    state = audit_integrity.verify()
    assert state.ok and state.rows == 5
    order = list(AuditEvent.objects.order_by("chain_seq").values_list("object_id", flat=True))
    assert order[-2:] == ["meanwhile", "late"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("first_commits", ["before the update", "while the update waits"])
def test_two_writers_on_the_same_head_both_land_in_one_line(first_commits):
    """Two connections read the same head; the first moves it (and commits) between the
    second's read and its write. The second's conditional UPDATE, evaluated again on the new
    head after waiting for the first's commit (or simply finding it moved), moves nothing,
    and the second writer retries after the first's row: both rows land, one line."""
    auditing.record(auditing.Action.VIEW, object_type="test", object_id="before")
    second_read_the_head = threading.Event()
    second_may_write = threading.Event()
    first_moved_the_head = threading.Event()
    first_may_commit = threading.Event()
    second_pid = []
    tries = []
    errors = []
    original = audit_model._insert_if_head_unchanged

    def paused_after_reading(events, head_seq, head_hash, using):
        if threading.current_thread().name == "second":
            tries.append(head_seq)
            if len(tries) == 1:
                second_read_the_head.set()
                assert second_may_write.wait(10)
        return original(events, head_seq, head_hash, using)

    def first() -> None:
        try:
            assert second_read_the_head.wait(10)
            with transaction.atomic():
                auditing.record(auditing.Action.VIEW, object_type="test", object_id="first")
                first_moved_the_head.set()
                assert first_may_commit.wait(10)
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
            first_moved_the_head.set()
        finally:
            connections.close_all()

    def second() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    second_pid.append(cursor.fetchone()[0])
                auditing.record(auditing.Action.VIEW, object_type="test", object_id="second")
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    audit_model_patch = pytest.MonkeyPatch()
    audit_model_patch.setattr(audit_model, "_insert_if_head_unchanged", paused_after_reading)
    first_thread = threading.Thread(target=first)
    second_thread = threading.Thread(target=second, name="second")
    try:
        second_thread.start()
        first_thread.start()
        assert first_moved_the_head.wait(10)
        if first_commits == "before the update":
            first_may_commit.set()
            first_thread.join(20)
            second_may_write.set()
        else:
            second_may_write.set()
            # The second's UPDATE waits on the head's row lock, held by the first.
            wait_until_waiting_on_a_lock(second_pid)
            first_may_commit.set()
        first_thread.join(20)
        second_thread.join(20)
    finally:
        first_may_commit.set()
        second_may_write.set()
        audit_model_patch.undo()
    assert not errors, errors
    assert len(tries) == 2 and tries[1] == tries[0] + 1, tries
    state = audit_integrity.verify()
    assert state.ok, state.detail
    rows = list(AuditEvent.objects.order_by("chain_seq").values_list("chain_seq", "object_id"))
    assert rows == [(1, "before"), (2, "first"), (3, "second")]
    assert AuditChainHead.objects.get().seq == 3


def wait_until_waiting_on_a_lock(pids: list[int]) -> None:
    """Poll (bounded) until the backend in `pids` waits on a lock: its UPDATE has found the
    head row locked by the other transaction. Each query a transaction of its own, so that
    pg_stat_activity is read afresh."""
    for _ in range(1000):
        if pids:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pids[0]]
                )
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
        threading.Event().wait(0.01)
    raise AssertionError("the second writer never waited on the head's lock")
