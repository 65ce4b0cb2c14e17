"""Offline attendance, the server side (issue 10; docs/offline-attendance-api.md):
`GET /api/v1/sessions/mine/` and the bulk roster save `POST /api/v1/sessions/{id}/attendance/`
with an `Idempotency-Key`: a repeat writes once and answers the first answer again, the same
key with another body is refused (422), a save arriving after the correction window is refused
(409, nothing written), another trainer's session is 404 with or without a key, and the audit
rows carry when the marks were made and when they arrived."""

import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from knox.models import AuthToken
from rest_framework.test import APIClient

from portal.models import AuditEvent, SiteAssignment
from portal.roles import Role
from portal.timezones import site_today
from programs import tasks
from programs.models import (
    Attendance,
    AttendanceChange,
    Enrolment,
    IdempotentRequest,
    TrainingSession,
)
from tests.conftest import make_user, site
from tests.programs.factories import PersonFactory, TrainingSessionFactory

YANGON = ZoneInfo("Asia/Yangon")
# The `trainer`'s sessions are at Mae Sot: its day runs on Bangkok time (UTC+7).
MAE_SOT_TIME = ZoneInfo("Asia/Bangkok")
SESSION_DAY = date(2026, 3, 10)
MINE = reverse("api:session-mine")


def at(day: date, hour: int, minute: int = 0):
    """Travel to a local (Yangon) time."""
    return time_machine.travel(
        datetime(day.year, day.month, day.day, hour, minute, tzinfo=YANGON), tick=False
    )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=YANGON)


@pytest.fixture
def other_trainer(mae_sot):
    """A colleague of `trainer` at the same site: their sessions stay hidden from each other."""
    return make_user(Role.TRAINER, [mae_sot], mfa=False, email="trainer2@example.org")


@pytest.fixture
def trainer_delhi(new_delhi):
    return make_user(Role.TRAINER, [new_delhi], mfa=False, email="trainer.delhi@example.org")


def session_with(trainer, size=2, **fields):
    fields.setdefault("date", SESSION_DAY)
    session = TrainingSessionFactory(trainer=trainer, capacity=max(size, 1), **fields)
    people = PersonFactory.create_batch(size, location=session.location)
    Enrolment.objects.bulk_create(
        [Enrolment(session=session, person=p, enrolled_by=trainer) for p in people]
    )
    return session, people


def url(session) -> str:
    return reverse("api:session-attendance", args=[session.pk])


def body(people, status="present", marked_at=None) -> dict:
    data = {"marks": {str(p.pk): status for p in people}}
    if marked_at is not None:
        data["marked_at"] = marked_at.isoformat()
    return data


def post(client, session, data, key="save-0001-abcd"):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    return client.post(url(session), data, format="json", **headers)


def nothing_written():
    return (
        not Attendance.objects.exists()
        and not AttendanceChange.objects.exists()
        and not AuditEvent.objects.filter(object_type="programs.attendance").exists()
    )


# --- The save -------------------------------------------------------------------------------------


def test_a_save_is_applied_and_answered(api, trainer):
    session, people = session_with(trainer, 2)
    marked = local(SESSION_DAY, 9, 41)
    with at(SESSION_DAY, 10):
        data = {"marks": {str(people[0].pk): "present", str(people[1].pk): "absent"}}
        data["marked_at"] = "2026-03-10T09:41:00+06:30"
        response = post(api(trainer), session, data)
    assert response.status_code == 200, response.content
    assert response.json() == {
        "session": session.pk,
        "saved": 2,
        "changed": 2,
        "marked_at": "2026-03-10T09:41:00+06:30",
        "received_at": "2026-03-10T10:00:00+06:30",
    }
    assert response["ETag"] and "Idempotent-Replayed" not in response
    saved = dict(Attendance.objects.values_list("person_id", "status"))
    assert saved == {people[0].pk: "present", people[1].pk: "absent"}
    assert {a.marked_at for a in Attendance.objects.all()} == {marked}
    assert AttendanceChange.objects.count() == 2
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD


def test_audit_rows_carry_marked_at_and_received_at(api, trainer):
    session, people = session_with(trainer, 2)
    marked = local(SESSION_DAY, 9, 41)
    with at(SESSION_DAY + timedelta(days=1), 7, 30):  # marked offline, sent the next morning
        response = post(api(trainer), session, body(people, marked_at=marked))
    assert response.status_code == 200, response.content
    events = AuditEvent.objects.filter(object_type="programs.attendance", action="update")
    assert {e.person_id for e in events} == {p.pk for p in people}
    assert {e.actor_id for e in events} == {trainer.pk}
    for event in events:
        assert event.changes == {
            "status": [None, "present"],
            "marked_at": [None, marked.astimezone(UTC).isoformat()],
            "received_at": [None, local(SESSION_DAY + timedelta(days=1), 7, 30).astimezone(UTC)
                            .isoformat()],
        }  # fmt: skip
        assert event.path == url(session)
    # The attendance rows keep the time of marking; the history, the time of the change.
    assert {a.marked_at for a in Attendance.objects.all()} == {marked}
    assert {c.changed_at for c in AttendanceChange.objects.all()} == {
        local(SESSION_DAY + timedelta(days=1), 7, 30)
    }


def test_marked_at_defaults_to_now_and_is_audited_too(api, trainer):
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY, 11):
        response = post(api(trainer), session, body(people))
    assert response.status_code == 200
    assert response.json()["marked_at"] == response.json()["received_at"]
    event = AuditEvent.objects.get(object_type="programs.attendance")
    assert set(event.changes) == {"status", "marked_at", "received_at"}


def test_two_saves_in_a_row_the_later_wins(api, trainer):
    session, people = session_with(trainer, 2)
    with at(SESSION_DAY, 10):
        client = api(trainer)
        assert post(client, session, body(people, "absent"), key="first-save-1").status_code == 200
        second = post(client, session, body(people[:1], "present"), key="second-save-2")
    assert second.status_code == 200 and second.json()["changed"] == 1
    saved = dict(Attendance.objects.values_list("person_id", "status"))
    assert saved == {people[0].pk: "present", people[1].pk: "absent"}
    assert Attendance.objects.count() == 2  # one row per participant, never a duplicate


def test_admin_may_save_at_any_time(api, trainer, admin_user):
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY + timedelta(days=60), 9):
        response = post(api(admin_user), session, body(people))
    assert response.status_code == 200
    assert Attendance.objects.get().marked_by == admin_user


def test_the_cost_of_a_save_does_not_grow_with_the_roster(api, trainer):
    counts = []
    with at(SESSION_DAY, 10):
        client = api(trainer)
        client.get(MINE)  # the token's first-use bookkeeping happens here
        for n, size in enumerate((5, 40)):
            session, people = session_with(trainer, size)
            with CaptureQueriesContext(connection) as queries:
                response = post(client, session, body(people), key=f"cost-{n}-abcdef")
            assert response.status_code == 200
            counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Idempotency ---------------------------------------------------------------------------------


def test_the_same_save_sent_twice_with_one_key_writes_once(api, trainer):
    session, people = session_with(trainer, 2)
    data = body(people, marked_at=local(SESSION_DAY, 9, 41))
    with at(SESSION_DAY, 10):
        client = api(trainer)
        first = post(client, session, data)
    with at(SESSION_DAY, 10, 5):  # the answer was lost; the phone sends again
        again = post(client, session, data)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()  # the first answer, received_at included
    assert again["Idempotent-Replayed"] == "true" and again["ETag"] == first["ETag"]
    assert Attendance.objects.count() == 2
    assert AttendanceChange.objects.count() == 2
    assert AuditEvent.objects.filter(object_type="programs.attendance").count() == 2
    assert IdempotentRequest.objects.get().status_code == 200


def test_a_replay_writes_nothing_even_after_a_later_change(api, trainer):
    """A late repeat of an old save must not undo a later correction."""
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY, 10):
        client = api(trainer)
        assert post(client, session, body(people, "absent"), key="old-save-1").status_code == 200
        assert post(client, session, body(people, "present"), key="new-save-2").status_code == 200
        replay = post(client, session, body(people, "absent"), key="old-save-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert Attendance.objects.get().status == "present"


def test_the_same_key_with_another_body_is_refused(api, trainer):
    session, people = session_with(trainer, 2)
    with at(SESSION_DAY, 10):
        client = api(trainer)
        assert post(client, session, body(people, "absent")).status_code == 200
        response = post(client, session, body(people, "present"))
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused" and response.json()["detail"]
    assert set(Attendance.objects.values_list("status", flat=True)) == {"absent"}
    assert AttendanceChange.objects.count() == 2


def test_the_same_key_for_another_session_is_refused(api, trainer):
    session, people = session_with(trainer, 1)
    other, other_people = session_with(trainer, 1)
    with at(SESSION_DAY, 10):
        client = api(trainer)
        assert post(client, session, body(people)).status_code == 200
        response = post(client, other, {"marks": {str(people[0].pk): "present"}})
        assert response.status_code == 422
        response = post(client, other, body(other_people))
    assert response.status_code == 422
    assert not Attendance.objects.filter(session=other).exists()


def test_keys_belong_to_their_user(api, trainer, admin_user):
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY, 10):
        assert post(api(trainer), session, body(people, "absent")).status_code == 200
        response = post(api(admin_user), session, body(people, "present"))
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert Attendance.objects.get().status == "present"


@pytest.mark.parametrize("key", [None, "", "short", "has space 123", "x" * 101, "ключ-ключ-1"])
def test_the_key_is_required_and_checked(api, trainer, key):
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY, 10):
        response = post(api(trainer), session, body(people), key=key)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["Idempotency-Key"]
    assert nothing_written() and not IdempotentRequest.objects.exists()


# --- The correction window -----------------------------------------------------------------------


def test_a_late_save_after_the_window_is_refused_and_nothing_is_written(api, trainer):
    session, people = session_with(trainer, 2)
    marked_in_time = local(SESSION_DAY + timedelta(days=1), 16)  # on the phone, in time...
    data = body(people, marked_at=marked_in_time)
    with at(SESSION_DAY + timedelta(days=2), 0, 1):  # ...but it arrives after the window
        client = api(trainer)
        response = post(client, session, data)
        assert response.status_code == 409
        answer = response.json()
        assert answer["code"] == "correction_window_closed"
        assert "Ask an admin" in answer["detail"]
        assert nothing_written()
        session.refresh_from_db()
        assert session.status == TrainingSession.Status.PLANNED
        # The answer is kept under the key: a repeat gets the same 409 and writes nothing.
        again = post(client, session, data)
    assert again.status_code == 409 and again.json() == answer
    assert again["Idempotent-Replayed"] == "true"
    assert nothing_written()
    assert IdempotentRequest.objects.get().status_code == 409


def test_a_save_on_the_last_minute_of_the_window_is_accepted(api, trainer):
    session, people = session_with(trainer, 1)
    last_minute = datetime(2026, 3, 11, 23, 59, tzinfo=MAE_SOT_TIME)  # the window is Mae Sot's
    with time_machine.travel(last_minute, tick=False):
        assert post(api(trainer), session, body(people)).status_code == 200


def test_a_cancelled_session_is_refused_with_a_message(api, trainer):
    session, people = session_with(trainer, 1, status=TrainingSession.Status.CANCELLED)
    with at(SESSION_DAY, 10):
        response = post(api(trainer), session, body(people))
    assert response.status_code == 409
    assert response.json()["code"] == "correction_window_closed"
    assert "cancelled" in response.json()["detail"]
    assert nothing_written()


def test_a_session_of_a_later_day_cannot_be_marked_yet(api, trainer):
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY - timedelta(days=1), 18):
        response = post(api(trainer), session, body(people))
    assert response.status_code == 409
    assert nothing_written()


# --- Invalid saves -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"marks": {"PERSON": "asleep"}}, "marks"),  # unknown status
        ({"marks": {"abc": "present"}}, "marks"),  # not a person id
        ({"marks": {"0": "present"}}, "marks"),
        ({"marks": ["present"]}, "marks"),
        ({}, "marks"),
        ({"marks": {}, "marked_at": "yesterday"}, "marked_at"),
        ({"marks": {}, "marked_at": "0001-01-01T03:00:00+06:30"}, "marked_at"),
        ({"marks": {}, "marked_at": "1969-12-31T23:59:59Z"}, "marked_at"),
        ({"marks": {}, "extra": 1}, "extra"),
    ],
)
def test_invalid_bodies_are_refused_and_nothing_is_written(api, trainer, data, field):
    session, people = session_with(trainer, 1)
    if "PERSON" in data.get("marks", {}):
        data = {"marks": {str(people[0].pk): "asleep"}}
    with at(SESSION_DAY, 10):
        response = post(api(trainer), session, data)
    assert response.status_code == 400, response.content
    assert list(response.json()["errors"]) == [field]
    assert nothing_written() and not IdempotentRequest.objects.exists()


def test_a_person_not_enrolled_is_refused_and_the_key_is_not_kept(api, trainer):
    session, people = session_with(trainer, 1)
    stranger = PersonFactory(location=session.location)
    with at(SESSION_DAY, 10):
        client = api(trainer)
        response = post(client, session, body([people[0], stranger]))
        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["marks"]
        assert nothing_written() and not IdempotentRequest.objects.exists()
        # Nothing was kept under the key: the corrected save may use it.
        assert post(client, session, body(people)).status_code == 200


def test_marked_at_in_the_future_is_refused(api, trainer):
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY, 10):
        client = api(trainer)
        late = post(client, session, body(people, marked_at=local(SESSION_DAY, 10, 6)))
        in_tolerance = post(
            client, session, body(people, marked_at=local(SESSION_DAY, 10, 4)), key="clock-ok-1"
        )
    assert late.status_code == 400 and list(late.json()["errors"]) == ["marked_at"]
    assert in_tolerance.status_code == 200


# --- Who may save ------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "save-0001-abcd"])
def test_another_trainers_session_is_404_with_or_without_a_key(
    api, trainer, other_trainer, trainer_delhi, new_delhi, key
):
    colleagues, colleague_people = session_with(other_trainer, 1)
    delhi = TrainingSessionFactory(trainer=trainer_delhi, location=new_delhi, date=SESSION_DAY)
    with at(SESSION_DAY, 10):
        client = api(trainer)
        for session in (colleagues, delhi):
            response = post(client, session, body(colleague_people), key=key)
            assert response.status_code == 404, response.content
    assert nothing_written() and not IdempotentRequest.objects.exists()


def test_a_key_used_before_does_not_open_another_trainers_session(api, trainer, other_trainer):
    own, own_people = session_with(trainer, 1)
    colleagues, _ = session_with(other_trainer, 1)
    with at(SESSION_DAY, 10):
        client = api(trainer)
        data = body(own_people)
        assert post(client, own, data).status_code == 200
        assert post(client, colleagues, data).status_code == 404


@pytest.mark.parametrize("role", ["case_worker", "analyst"])
def test_other_roles_may_not_save(api, trainer, case_worker_mae_sot, analyst, role):
    user = {"case_worker": case_worker_mae_sot, "analyst": analyst}[role]
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY, 10):
        response = post(api(user), session, body(people))
    assert response.status_code == 403
    assert nothing_written()


def test_anonymous_is_refused_with_not_authenticated(api, trainer):
    session, people = session_with(trainer, 1)
    with at(SESSION_DAY, 10):
        response = post(api(), session, body(people))
        assert api().get(MINE).status_code == 401
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert nothing_written()


def test_a_browser_session_needs_the_csrf_token(trainer):
    session, people = session_with(trainer, 1)
    client = APIClient(enforce_csrf_checks=True)
    with at(SESSION_DAY, 10):
        client.force_login(trainer, backend="django.contrib.auth.backends.ModelBackend")
        page = client.get(reverse("programs:roster", args=[session.pk]))
        token = page.cookies["csrftoken"].value
        refused = post(client, session, body(people))
        assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
        response = client.post(
            url(session), body(people), format="json", HTTP_IDEMPOTENCY_KEY="browser-save-1",
            HTTP_X_CSRFTOKEN=token,
        )  # fmt: skip
    assert response.status_code == 200, response.content


def test_an_expired_browser_session_gets_401_or_403(trainer):
    session, people = session_with(trainer, 1)
    client = APIClient()
    with at(SESSION_DAY, 8):
        client.force_login(trainer, backend="django.contrib.auth.backends.ModelBackend")
        client.get(reverse("home"))
    with at(SESSION_DAY, 10):  # two hours without a request: idle timeout
        response = post(client, session, body(people))
    assert response.status_code in (401, 403)
    assert nothing_written()


# --- Concurrency (PostgreSQL) --------------------------------------------------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_save_sent_twice_at_once_writes_once(trainer):
    today = site_today(site("MAE-SOT"))
    session, people = session_with(trainer, 3, date=today)
    tokens = [AuthToken.objects.create(trainer)[1] for _ in range(2)]
    answers, errors = [], []
    start = threading.Barrier(2)

    def send(token):
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            start.wait()
            answers.append(post(client, session, body(people), key="same-key-at-once"))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(a.status_code for a in answers) == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert sum(a.has_header("Idempotent-Replayed") for a in answers) == 1
    assert Attendance.objects.count() == 3 and AttendanceChange.objects.count() == 3


# --- GET /sessions/mine/ ---------------------------------------------------------------------------


def test_mine_lists_own_sessions_for_the_next_week_and_yesterdays(
    api, trainer, other_trainer, mae_sot
):
    today = SESSION_DAY

    def session_on(days, **fields):
        return TrainingSessionFactory(trainer=trainer, date=today + timedelta(days=days), **fields)

    yesterday, todays, in_a_week = session_on(-1), session_on(0), session_on(7)
    session_on(-2), session_on(8)  # outside the window
    session_on(-1, status=TrainingSession.Status.CANCELLED)  # cannot be corrected
    cancelled_today = session_on(0, start_time="13:00", end_time="15:00",
                                 status=TrainingSession.Status.CANCELLED)  # fmt: skip
    TrainingSessionFactory(trainer=other_trainer, date=today)  # a colleague's
    with at(today, 8):
        response = api(trainer).get(MINE)
    assert response.status_code == 200 and response["ETag"]
    rows = response.json()
    assert [row["id"] for row in rows] == [
        yesterday.pk,
        todays.pk,
        cancelled_today.pk,
        in_a_week.pk,
    ]
    by_id = {row["id"]: row for row in rows}
    assert by_id[yesterday.pk]["can_mark"] is True
    assert by_id[todays.pk]["can_mark"] is True
    assert by_id[cancelled_today.pk]["can_mark"] is False
    assert by_id[in_a_week.pk]["can_mark"] is False
    assert by_id[todays.pk]["correction_closes_at"] == "2026-03-11T23:59:59+07:00"


def test_mine_rows_follow_the_contract(api, trainer, mae_sot):
    session, (named, unnamed) = session_with(trainer, 2)
    named.preferred_name = "Kyaw"
    named.save()
    unnamed.preferred_name = ""
    unnamed.save()
    with at(SESSION_DAY, 9):
        client = api(trainer)
        post(client, session, {"marks": {str(named.pk): "present"}})
        (row,) = client.get(MINE).json()
    assert row == {
        "id": session.pk,
        "date": "2026-03-10",
        "start_time": "09:00",
        "end_time": "12:00",
        "course": session.course.name,
        "site": "MAE-SOT",
        "time_zone": "Asia/Bangkok",
        "status": "held",
        "can_mark": True,
        "correction_closes_at": "2026-03-11T23:59:59+07:00",
        "roster": sorted(
            [
                {"person": named.pk, "case_number": named.case_number,
                 "preferred_name": "Kyaw", "status": "present"},
                {"person": unnamed.pk, "case_number": unnamed.case_number,
                 "preferred_name": unnamed.case_number, "status": ""},
            ],
            key=lambda entry: entry["case_number"],
        ),
    }  # fmt: skip
    page = str(row)
    assert named.full_name not in page and unnamed.full_name not in page


def test_mine_leaves_out_people_who_dropped_out(api, trainer):
    session, (staying, leaving) = session_with(trainer, 2)
    Enrolment.objects.filter(person=leaving).update(status=Enrolment.Status.DROPPED_OUT)
    with at(SESSION_DAY, 9):
        (row,) = api(trainer).get(MINE).json()
    assert [entry["person"] for entry in row["roster"]] == [staying.pk]


def test_mine_is_audited_once_per_request(api, trainer):
    session, people = session_with(trainer, 2)
    with at(SESSION_DAY, 9):
        api(trainer).get(MINE)
    event = AuditEvent.objects.get(action="view")
    assert event.actor == trainer and event.object_type == "programs.enrolment"
    assert sorted(event.changes["listed"][1]) == sorted(
        Enrolment.objects.filter(session=session).values_list("pk", flat=True)
    )


def test_mine_is_empty_when_the_trainers_site_assignment_ended(api, trainer):
    session_with(trainer, 1)
    with at(SESSION_DAY, 9):
        SiteAssignment.objects.filter(user=trainer).update(ends_on=SESSION_DAY - timedelta(days=1))
        assert api(trainer).get(MINE).json() == []


@pytest.mark.parametrize("role", ["admin", "case_worker", "analyst"])
def test_mine_is_for_trainers(api, admin_user, case_worker_mae_sot, analyst, role):
    user = {"admin": admin_user, "case_worker": case_worker_mae_sot, "analyst": analyst}[role]
    assert api(user).get(MINE).status_code == 403


# --- Forgetting keys ------------------------------------------------------------------------------


def test_keys_older_than_30_days_are_forgotten(trainer):
    now = timezone.now()
    for days in (31, 29):
        IdempotentRequest.objects.create(
            user=trainer, key=f"key-{days}-days", request_hash="0" * 64, status_code=200,
            created_at=now - timedelta(days=days),
        )  # fmt: skip
    assert tasks.forget_idempotency_keys.delay().get() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["key-29-days"]


def test_forgetting_is_on_the_beat_schedule(db):
    task = PeriodicTask.objects.get(task="programs.tasks.forget_idempotency_keys")
    assert task.enabled and task.crontab is not None and task.expire_seconds
    assert str(task.crontab.timezone) == "Asia/Yangon"
