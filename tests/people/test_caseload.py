"""My caseload (issue 22): ordering, overdue, no contact, the admins' choice of worker and
supervision figures, access, audit and query budgets."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from people import caseload, services
from people.models import CaseNote, FollowUp
from portal.models import AuditEvent
from portal.roles import Role
from programs.supervision import latest_assistance_date
from tests.conftest import make_user
from tests.people.factories import PersonFactory
from tests.programs.factories import DistributionFactory

TODAY = timezone.localdate


def follow_up(person, due_on, assignee, done=False):
    return FollowUp.objects.create(
        person=person,
        due_on=due_on,
        assignee=assignee,
        description="call",
        created_by=assignee,
        done_at=timezone.now() if done else None,
        done_by=assignee if done else None,
    )


def registered(days_ago, **fields):
    return PersonFactory(created_at=timezone.now() - timedelta(days=days_ago), **fields)


def listed(user, worker, extra=()):
    return caseload.mark(list(caseload.caseload_for(user, worker, extra_contact=extra)))


def test_overdue_first_then_upcoming_then_without_follow_up(case_worker_mae_sot):
    worker = case_worker_mae_sot
    later = registered(1, case_worker=worker, case_number="TS-25-00003")
    nothing = registered(1, case_worker=worker, case_number="TS-25-00001")
    overdue = registered(1, case_worker=worker, case_number="TS-25-00002")
    follow_up(later, TODAY() + timedelta(days=3), worker)
    follow_up(overdue, TODAY() - timedelta(days=2), worker)
    follow_up(overdue, TODAY() + timedelta(days=9), worker)
    follow_up(nothing, TODAY() - timedelta(days=20), worker, done=True)  # done: not next

    people = listed(worker, worker)

    assert [p.pk for p in people] == [overdue.pk, later.pk, nothing.pk]
    assert [p.overdue for p in people] == [True, False, False]
    assert people[0].next_follow_up == TODAY() - timedelta(days=2)
    assert people[2].next_follow_up is None


def test_only_the_workers_open_current_cases(case_worker_mae_sot, mae_sot):
    worker = case_worker_mae_sot
    colleague = make_user(Role.CASE_WORKER, [mae_sot])
    mine = registered(1, case_worker=worker)
    registered(1, case_worker=colleague)
    registered(1, case_worker=worker, status="closed")
    merged_into = registered(1, case_worker=colleague)
    registered(1, case_worker=worker, merged_into=merged_into)

    assert [p.pk for p in listed(worker, worker)] == [mine.pk]


@pytest.mark.parametrize(
    ("contact", "expected_days"),
    [("none", 45), ("note", 10), ("follow_up_done", 5), ("assistance", 3)],
)
def test_last_contact_is_the_latest_of_registration_notes_follow_ups_and_assistance(
    case_worker_mae_sot, contact, expected_days
):
    worker = case_worker_mae_sot
    person = registered(45, case_worker=worker)
    if contact == "note":
        CaseNote.objects.create(
            person=person, author=worker, text="x", created_at=timezone.now() - timedelta(days=10)
        )
    if contact == "follow_up_done":
        done = follow_up(person, TODAY() - timedelta(days=6), worker, done=True)
        FollowUp.objects.filter(pk=done.pk).update(done_at=timezone.now() - timedelta(days=5))
    if contact == "assistance":
        DistributionFactory(person=person, distributed_on=TODAY() - timedelta(days=3))

    [row] = listed(worker, worker, extra=[latest_assistance_date()])

    assert row.days_without_contact == expected_days
    assert row.no_contact == (expected_days >= 30)


def test_without_contact_uses_the_setting(case_worker_mae_sot, settings):
    worker = case_worker_mae_sot
    old = registered(20, case_worker=worker)
    registered(5, case_worker=worker)
    settings.CASELOAD_NO_CONTACT_DAYS = 15
    people = caseload.without_contact(caseload.caseload_for(worker, worker))
    assert [p.pk for p in people] == [old.pk]
    settings.CASELOAD_NO_CONTACT_DAYS = 30
    assert not caseload.without_contact(caseload.caseload_for(worker, worker)).exists()


def test_figures_per_worker_are_exact(admin_user, case_worker_mae_sot, mae_sot):
    worker = case_worker_mae_sot
    colleague = make_user(Role.CASE_WORKER, [mae_sot])
    for _ in range(3):
        registered(1, case_worker=worker)
    registered(1, case_worker=worker, status="closed")  # closed: not counted
    registered(1, case_worker=None)
    one = registered(1, case_worker=colleague)
    follow_up(one, TODAY() - timedelta(days=1), colleague)
    follow_up(one, TODAY() - timedelta(days=1), colleague, done=True)  # done: not overdue
    follow_up(one, TODAY(), colleague)  # due today: not overdue yet

    rows = {row.worker: row for row in caseload.figures_per_worker(admin_user)}

    assert (rows[worker].open_cases, rows[worker].overdue_follow_ups) == (3, 0)
    assert (rows[colleague].open_cases, rows[colleague].overdue_follow_ups) == (1, 1)
    assert rows[None].open_cases == 1


# --- The page -------------------------------------------------------------------------------


def test_case_worker_sees_own_caseload_marked_and_audited(
    client, signed_in, case_worker_mae_sot, mae_sot
):
    worker = case_worker_mae_sot
    other = make_user(Role.CASE_WORKER, [mae_sot])
    person = registered(40, case_worker=worker)
    follow_up(person, TODAY() - timedelta(days=3), worker)
    hidden = registered(1, case_worker=other)
    signed_in(worker)

    # Asking for another worker changes nothing for a case worker.
    response = client.get(reverse("caseload"), {"worker": other.pk})

    assert response.status_code == 200
    content = response.content.decode()
    assert person.case_number in content and hidden.case_number not in content
    assert "Overdue" in content and "No contact" in content
    assert "Supervision figures" not in content
    event = AuditEvent.objects.filter(object_type="caseload").get()
    assert event.changes == {"people": [None, [person.pk]]}


def test_no_contact_filter(client, signed_in, case_worker_mae_sot):
    worker = case_worker_mae_sot
    old = registered(40, case_worker=worker)
    recent = registered(2, case_worker=worker)
    signed_in(worker)
    content = client.get(reverse("caseload"), {"no_contact": "on"}).content.decode()
    assert old.case_number in content and recent.case_number not in content


def test_admin_chooses_a_worker_and_sees_supervision_figures(
    client, signed_in, admin_user, case_worker_mae_sot
):
    person = registered(1, case_worker=case_worker_mae_sot)
    signed_in(admin_user)

    figures_only = client.get(reverse("caseload"))
    assert "Supervision figures" in figures_only.content.decode()
    assert person.case_number not in figures_only.content.decode()

    chosen = client.get(reverse("caseload"), {"worker": case_worker_mae_sot.pk})
    assert person.case_number in chosen.content.decode()
    assert chosen.context["worker"] == case_worker_mae_sot


def test_admin_choosing_an_unknown_worker_gets_a_form_error(client, signed_in, admin_user):
    signed_in(admin_user)
    response = client.get(reverse("caseload"), {"worker": "999999"})
    assert response.status_code == 200
    assert response.context["form"].errors["worker"]
    assert response.context["worker"] is None


def test_analyst_never_sees_the_figures(client, signed_in, analyst):
    signed_in(analyst)
    assert client.get(reverse("caseload")).status_code == 403


def test_caseload_page_query_budget(
    client, signed_in, case_worker_mae_sot, django_assert_max_num_queries
):
    worker = case_worker_mae_sot
    signed_in(worker)
    for _ in range(2):
        follow_up(registered(3, case_worker=worker), TODAY(), worker)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("caseload"))
    for _ in range(20):
        person = registered(40, case_worker=worker)
        follow_up(person, TODAY() - timedelta(days=1), worker)
        DistributionFactory(person=person)
        services.add_note(by=worker, person=person, text="seen")
    # The same number of queries for 22 people as for 2: no query per person.
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("caseload"))
    assert response.context["page"].paginator.count == 22


def test_admin_page_query_budget(
    client, signed_in, admin_user, case_worker_mae_sot, mae_sot, django_assert_max_num_queries
):
    signed_in(admin_user)
    registered(3, case_worker=case_worker_mae_sot)
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("caseload"), {"worker": case_worker_mae_sot.pk})
    for _ in range(5):
        worker = make_user(Role.CASE_WORKER, [mae_sot], mfa=False)
        person = registered(3, case_worker=worker)
        follow_up(person, TODAY() - timedelta(days=1), worker)
        DistributionFactory(person=person)
        registered(3, case_worker=case_worker_mae_sot)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("caseload"), {"worker": case_worker_mae_sot.pk})
