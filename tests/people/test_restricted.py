"""Restricted records with break-the-glass (issue 20): who sees a restricted person, the case
number shown to the others, opening with a reason, the admins' review; over the screens, the
API, exports, search, duplicate warnings and trainers' rosters."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from people import restricted, selectors, services
from people.exporting import people_table
from people.models import CaseNote, Person, RestrictedAccess
from portal.models import AuditEvent
from portal.roles import Role
from portal.scoping import visible_to
from programs import selectors as programs_selectors
from tests.conftest import make_user
from tests.people.factories import PersonFactory
from tests.programs.factories import EnrolmentFactory, TrainingSessionFactory

pytestmark = pytest.mark.django_db

REASON = "Placing him in a safe home tonight"


@pytest.fixture
def own_case_worker(mae_sot):
    return make_user(Role.CASE_WORKER, [mae_sot], email="own.cw@example.org")


@pytest.fixture
def hidden_person(mae_sot, own_case_worker, admin_user):
    """A restricted person of MAE-SOT whose case worker is `own_case_worker`."""
    person = PersonFactory(
        location=mae_sot,
        full_name="Zaw Restricted",
        preferred_name="Zaw",
        case_worker=own_case_worker,
    )
    return restricted.set_restriction(
        by=admin_user, person=person, restricted=True, reason="high_profile"
    )


def api_for(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


# --- Who sees the record ----------------------------------------------------------------------


def test_only_the_case_worker_and_admins_see_a_restricted_person(
    hidden_person, own_case_worker, case_worker_mae_sot, admin_user
):
    assert hidden_person in selectors.people_for(own_case_worker)
    assert hidden_person in selectors.people_for(admin_user)
    assert hidden_person not in selectors.people_for(case_worker_mae_sot)


def test_the_parts_of_a_restricted_record_are_hidden_too(
    hidden_person, own_case_worker, case_worker_mae_sot
):
    note = services.add_note(by=own_case_worker, person=hidden_person, text="where he lives")
    assert note in visible_to(own_case_worker, CaseNote.objects.all())
    assert note not in visible_to(case_worker_mae_sot, CaseNote.objects.all())


def test_a_restricted_record_without_a_case_worker_is_listed_by_case_number(
    mae_sot, admin_user, case_worker_mae_sot
):
    person = restricted.set_restriction(
        by=admin_user, person=PersonFactory(location=mae_sot), restricted=True, reason="other"
    )
    assert list(selectors.restricted_records_for(case_worker_mae_sot)) == [person]


def test_other_case_workers_see_the_case_number_only_on_the_list(
    client, signed_in, hidden_person, case_worker_mae_sot
):
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("people:list")).content.decode()
    assert hidden_person.case_number in page
    detail = reverse("people:detail", args=[hidden_person.pk])
    assert "Zaw Restricted" not in page and f'href="{detail}"' not in page
    assert reverse("people:open_restricted", args=[hidden_person.pk]) in page


def test_a_name_search_never_reveals_a_restricted_record(
    client, signed_in, hidden_person, case_worker_mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(reverse("people:list"), {"q": "Zaw Restricted"}, follow=True)
    assert hidden_person.case_number not in response.content.decode()
    by_number = client.post(reverse("people:list"), {"q": hidden_person.case_number}, follow=True)
    assert hidden_person.case_number in by_number.content.decode()


def test_the_list_reads_no_restricted_records_for_a_name_search_or_an_admin(
    hidden_person, case_worker_mae_sot, admin_user, monkeypatch
):
    statements = []
    execute_sql = SQLCompiler.execute_sql

    def counted(compiler, *args, **kwargs):
        statements.append(compiler.query.model)
        return execute_sql(compiler, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "execute_sql", counted)
    assert selectors.restricted_records_listed(case_worker_mae_sot, "Zaw Restricted") == []
    assert selectors.restricted_records_listed(admin_user) == []
    assert statements == []  # not even an empty statement compiled
    assert selectors.restricted_records_listed(case_worker_mae_sot, "") == [hidden_person]
    by_number = hidden_person.case_number[:6]
    assert selectors.restricted_records_listed(case_worker_mae_sot, by_number) == [hidden_person]
    assert selectors.restricted_records_listed(case_worker_mae_sot, "", limit=0) == []


def test_case_workers_of_other_sites_do_not_learn_the_record_exists(
    client, signed_in, hidden_person, case_worker_delhi
):
    signed_in(case_worker_delhi)
    assert hidden_person.case_number not in client.get(reverse("people:list")).content.decode()
    assert client.get(reverse("people:detail", args=[hidden_person.pk])).status_code == 404
    assert client.get(reverse("people:open_restricted", args=[hidden_person.pk])).status_code == 404


def test_the_person_page_sends_another_case_worker_to_give_a_reason(
    client, signed_in, hidden_person, case_worker_mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.get(reverse("people:detail", args=[hidden_person.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("people:open_restricted", args=[hidden_person.pk])
    assert client.get(reverse("people:edit", args=[hidden_person.pk])).status_code == 404
    form = client.get(response["Location"]).content.decode()
    assert hidden_person.case_number in form and "Zaw" not in form


def test_duplicate_warning_shows_a_restricted_match_by_case_number_only(
    client, signed_in, hidden_person, case_worker_mae_sot, mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("people:create"),
        {"full_name": "Zaw Restricted", "sex": "male", "birth_year": 1999,
         "location": mae_sot.pk, "status": "intake", "dependants": 0},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and Person.objects.count() == 1  # not saved yet
    assert hidden_person.case_number in page and "a restricted record" in page
    assert "1999" not in page.split(hidden_person.case_number, 1)[1].split("</li>", 1)[0]


def test_the_api_and_its_search_follow_the_rule(
    hidden_person, own_case_worker, case_worker_mae_sot
):
    url = reverse("api:person-detail", args=[hidden_person.pk])
    assert api_for(case_worker_mae_sot).get(url).status_code == 404
    listed = (
        api_for(case_worker_mae_sot)
        .post(reverse("api:person-search"), {"q": "Zaw"}, format="json")
        .json()
    )
    assert hidden_person.pk not in {row["id"] for row in listed["results"]}
    assert api_for(own_case_worker).get(url).status_code == 200


def test_exports_follow_the_rule(hidden_person, own_case_worker, case_worker_mae_sot, admin_user):
    def exported(user):
        return {row[0] for row in people_table(user, {}).rows}

    assert hidden_person.case_number in exported(admin_user)
    assert hidden_person.case_number in exported(own_case_worker)
    assert hidden_person.case_number not in exported(case_worker_mae_sot)


def test_trainers_see_a_restricted_person_by_case_number_only(hidden_person, trainer, mae_sot):
    session = TrainingSessionFactory(location=mae_sot, trainer=trainer)
    EnrolmentFactory(session=session, person=hidden_person, enrolled_by=trainer)
    (row,) = programs_selectors.roster(trainer, session)
    assert row.label == hidden_person.case_number
    mine = api_for(trainer).get(reverse("api:session-mine")).content.decode()
    assert hidden_person.case_number in mine and "Zaw" not in mine
    enrolments = api_for(trainer).get(reverse("api:enrolment-list")).content.decode()
    assert hidden_person.case_number in enrolments and "Zaw" not in enrolments


def test_programme_screens_show_a_restricted_person_by_case_number_only(
    client, signed_in, hidden_person, own_case_worker, mae_sot, trainer
):
    session = TrainingSessionFactory(location=mae_sot, trainer=trainer)
    EnrolmentFactory(session=session, person=hidden_person, enrolled_by=trainer)
    signed_in(own_case_worker)
    page = client.get(reverse("programs:session_detail", args=[session.pk])).content.decode()
    assert hidden_person.case_number in page and "Zaw" not in page


# --- Marking and unmarking --------------------------------------------------------------------


def test_the_case_worker_restricts_and_lifts_with_an_audit_row(
    client, signed_in, mae_sot, own_case_worker
):
    person = PersonFactory(location=mae_sot, case_worker=own_case_worker)
    signed_in(own_case_worker)
    url = reverse("people:restriction", args=[person.pk])
    assert client.post(url, {"restricted": "on", "reason": "family_at_risk"}).status_code == 302
    person.refresh_from_db()
    assert person.restricted and person.restriction_reason == "family_at_risk"
    assert client.post(url, {}).status_code == 302
    person.refresh_from_db()
    assert not person.restricted and person.restriction_reason == ""
    changes = [
        event.changes["restricted"]
        for event in AuditEvent.objects.filter(person_id=person.pk, action="update").order_by("pk")
    ]
    assert changes == [
        [[False, ""], [True, "family_at_risk"]],
        [[True, "family_at_risk"], [False, ""]],
    ]


def test_restricting_without_a_reason_is_refused_and_changes_nothing(
    client, signed_in, mae_sot, own_case_worker
):
    person = PersonFactory(location=mae_sot, case_worker=own_case_worker)
    signed_in(own_case_worker)
    response = client.post(reverse("people:restriction", args=[person.pk]), {"restricted": "on"})
    assert response.status_code == 200 and "Choose why" in response.content.decode()
    person.refresh_from_db()
    assert not person.restricted
    with pytest.raises(ValidationError):
        restricted.set_restriction(by=own_case_worker, person=person, restricted=True, reason="x")


def test_another_case_worker_may_not_restrict(mae_sot, case_worker_mae_sot, own_case_worker):
    person = PersonFactory(location=mae_sot, case_worker=own_case_worker)
    with pytest.raises(PermissionDenied):
        restricted.set_restriction(
            by=case_worker_mae_sot, person=person, restricted=True, reason="safeguarding"
        )


# --- Break the glass --------------------------------------------------------------------------


def test_opening_with_a_reason_gives_access_for_the_set_hours_audited_and_admins_told(
    client,
    signed_in,
    settings,
    hidden_person,
    case_worker_mae_sot,
    admin_user,
    django_capture_on_commit_callbacks,
):
    settings.RESTRICTED_ACCESS_HOURS = 2
    signed_in(case_worker_mae_sot)
    with (
        time_machine.travel(timezone.now(), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("people:open_restricted", args=[hidden_person.pk]), {"reason": REASON}
        )
        assert response.status_code == 302
        assert client.get(reverse("people:detail", args=[hidden_person.pk])).status_code == 200
        access = RestrictedAccess.objects.get()
        assert access.expires_at == timezone.now() + timedelta(hours=2)
    event = AuditEvent.objects.get(object_type="people.restrictedaccess", action="create")
    assert event.actor == case_worker_mae_sot and event.person_id == hidden_person.pk
    assert event.changes["reason"] == [None, REASON]
    (message,) = mail.outbox
    assert message.to == [admin_user.email]
    assert hidden_person.case_number not in message.body and "Zaw" not in message.body
    assert REASON not in message.body and reverse("people:access_reviews") in message.body
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        signed_in(case_worker_mae_sot)
        assert hidden_person not in selectors.people_for(case_worker_mae_sot)


def test_a_short_reason_is_refused_and_opens_nothing(
    client, signed_in, hidden_person, case_worker_mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("people:open_restricted", args=[hidden_person.pk]), {"reason": "need"}
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    assert not RestrictedAccess.objects.exists() and not mail.outbox


def test_only_case_workers_break_the_glass(hidden_person, admin_user, trainer):
    for user in (admin_user, trainer):
        with pytest.raises(PermissionDenied):
            restricted.open_restricted(by=user, person=hidden_person, reason=REASON)


# --- Review -----------------------------------------------------------------------------------


@pytest.fixture
def opening(hidden_person, case_worker_mae_sot):
    return restricted.open_restricted(by=case_worker_mae_sot, person=hidden_person, reason=REASON)


def test_admins_see_pending_openings_on_the_home_page_and_the_review_screen(
    client, signed_in, admin_user, opening, hidden_person
):
    signed_in(admin_user)
    assert "1 opening of a restricted record waits" in client.get(reverse("home")).content.decode()
    page = client.get(reverse("people:access_reviews")).content.decode()
    assert REASON in page and hidden_person.case_number in page


def test_an_admin_accepts_an_opening_audited(client, signed_in, admin_user, opening):
    signed_in(admin_user)
    url = reverse("people:access_review", args=[opening.pk])
    assert client.post(url, {"verdict": "accepted"}).status_code == 302
    opening.refresh_from_db()
    assert opening.review == "accepted" and opening.reviewed_by == admin_user
    event = AuditEvent.objects.filter(object_type="people.restrictedaccess", action="update").get()
    assert event.changes["review"] == ["pending", "accepted"]
    assert "waits" not in client.get(reverse("home")).content.decode()


def test_questioning_needs_a_note(client, signed_in, admin_user, opening):
    signed_in(admin_user)
    url = reverse("people:access_review", args=[opening.pk])
    response = client.post(url, {"verdict": "questioned"}, follow=True)
    assert "Say what you question" in response.content.decode()
    opening.refresh_from_db()
    assert opening.review == "pending"
    client.post(url, {"verdict": "questioned", "note": "Not her case; ask why"})
    opening.refresh_from_db()
    assert opening.review == "questioned" and opening.review_note == "Not her case; ask why"


def test_a_bad_verdict_changes_nothing(client, signed_in, admin_user, opening):
    signed_in(admin_user)
    client.post(reverse("people:access_review", args=[opening.pk]), {"verdict": "pending"})
    opening.refresh_from_db()
    assert opening.review == "pending"


def test_merging_a_restricted_record_keeps_the_person_restricted(
    hidden_person, admin_user, case_worker_mae_sot, mae_sot
):
    kept = PersonFactory(location=mae_sot)
    services.merge_people(by=admin_user, keep=kept, merge=hidden_person)
    kept.refresh_from_db()
    assert kept.restricted and kept.restriction_reason == "high_profile"
    assert kept not in selectors.people_for(case_worker_mae_sot)


@pytest.mark.postgresql
def test_the_sites_restricted_records_are_read_from_their_own_index(
    hidden_person, case_worker_mae_sot
):
    """The people list asks for them on every view: without the partial index, a site of
    600,000 people and none restricted took 118 ms to say so (docs/performance.md). The
    index answers only if PostgreSQL can tell from the query that every row it wants is
    restricted: with sequential scans off, the plan must name it."""
    records = selectors.restricted_records_for(case_worker_mae_sot)
    assert [person.pk for person in records] == [hidden_person.pk]
    sql, params = records.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "person_restricted_by_site" in plan, plan
