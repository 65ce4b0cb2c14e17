"""Optimistic locking on every editable record, screens and API alike (`portal.concurrency`).

Every URL of the apps is classified here: an edit (tested below: two clients open the same
record, both save, the second is refused and nothing is overwritten), a creation or another
write that changes no record a form was opened on (with the reason), or a page that only
reads (which must refuse a POST). Every API resource with PUT/PATCH and every POST action on
one record is classified the same way. A new URL, resource or action without a row fails.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.api_urls import router
from people import services as people_services
from people.models import CaseNote, Feedback, Flag, FollowUp, Partner, Referral, TransferRequest
from portal.models import Location
from portal.roles import Role
from programs.models import AssistanceType, Course
from tests.conftest import make_user, site
from tests.factories import saved_version
from tests.people.factories import ExitFactory, PersonFactory
from tests.programs.factories import (
    DistributionFactory,
    EnrolmentFactory,
    StayFactory,
    TrainingSessionFactory,
)

APPS = ("people", "programs", "portal", "reports")

# Writes that change no record a form was opened on: nothing to lose, or locked otherwise.
NOT_EDITS = {
    "people:create": "registers a new person",
    "people:exit_add": "adds an exit",
    "people:note_add": "adds a note",
    "people:follow_up_add": "plans a follow-up",
    "people:flag_add": "raises a flag",
    "people:referral_add": "adds a referral",
    "people:feedback_add": "records feedback",
    "people:import": "registers new people (all or nothing)",
    "people:list": "a search: the filters go in the session, no record changes",
    "people:transfer": "adds a transfer request (one open per person: a constraint, under "
    "the person's row lock); the person does not change until it is accepted",
    "people:transfer_accept": "a one-way answer under the request's row lock, checked "
    "against the version the page showed: of two answers one wins, the other is told who "
    "answered (tests/people/test_transfers.py)",
    "people:transfer_decline": "a one-way answer, as people:transfer_accept",
    "people:transfer_withdraw": "a one-way answer, as people:transfer_accept",
    "people:merge": "both records are locked; an already merged record is refused",
    "people:mark_distinct": "records a pair once (get_or_create)",
    "people:anonymise": "an irreversible erasure under a row lock; moves the version on",
    "people:retention_hold": "adds the one hold of a person (a constraint); the person row "
    "is not changed",
    "people:retention_lift": "removes the hold (idempotent): nothing to overwrite",
    "people:restriction": "sets or lifts the restriction under the person's row lock; no "
    "form edits those fields, so none opened before can overwrite them",
    "people:access_review": "records a verdict on one opening under its row lock (the same "
    "verdict again changes nothing)",
    "portal:lock_site": "a one-step lockdown (set once; locking again changes nothing)",
    "portal:lock_user": "a one-step lockdown (set once; locking again changes nothing)",
    "portal:unlock_site": "clears the lock (idempotent): nothing to overwrite",
    "portal:unlock_user": "clears the lock (idempotent): nothing to overwrite",
    "programs:session_create": "plans a new session",
    "programs:session_enrol": "adds enrolments; capacity is checked under the session's lock",
    "programs:check_in": "starts a new stay (one open stay per person: a constraint)",
    "programs:distribution_bulk": "records new distributions",
    "programs:person_distribution_create": "records a new distribution",
    "programs:person_outcome_create": "records a new livelihood outcome",
    "programs:person_enrol": "adds an enrolment; capacity and duplicates are checked under "
    "the session's lock (as programs:session_enrol)",
    "programs:roster": "the whole roster in one save; every mark is kept in the attendance "
    "history (old -> new), so nothing is lost",
    "portal:user_invite": "creates a new account",
    "portal:user_resend_invitation": "sends a new link, revoking the earlier ones",
    "portal:accept_invitation": "a one-time link",
    "portal:pledge": "records the acceptance once",
    "portal:export_new": "starts a new background job",
    "reports:build": "starts a new background job (claimed once)",
    "reports:rebuild": "starts a new background job (claimed once)",
    "reports:index": "chooses a period to open (a redirect), changes nothing",
    "reports:approve": "one-way release of the newest version awaiting approval, under the "
    "report's row lock; a second approval, or of an outdated version, is refused",
}


@dataclass
class Edit:
    url: str
    record: object
    payload: Callable[[int, int], dict]  # (opened version, which save: 1 or 2) -> POST data
    button: bool = False  # a one-button change on a list or the person page (redirects)


def _person_edit(user):
    person = PersonFactory()
    data = {
        "full_name": person.full_name,
        "sex": "male",
        "location": person.location_id,
        "dependants": "0",
    }
    return Edit(
        reverse("people:edit", args=[person.pk]),
        person,
        lambda version, n: {**data, "preferred_name": f"Name {n}", "version": version},
    )


def _exit_edit(user):
    exit = ExitFactory()
    data = {
        "exit_type": "defected",
        "affiliation": "soldier",
        "exit_date": "2024-05-01",
        "recruit_status": "unknown",
        "forcibly_conscripted": "unknown",
    }
    return Edit(
        reverse("people:exit_edit", args=[exit.person_id, exit.pk]),
        exit,
        lambda version, n: {**data, "rank": f"Rank {n}", "version": version},
    )


def _note_edit(user):
    note = CaseNote.objects.create(person=PersonFactory(), author=user, text="First")
    return Edit(
        reverse("people:note_edit", args=[note.person_id, note.pk]),
        note,
        lambda version, n: {"text": f"Text {n}", "version": version},
    )


def _flag_resolve(user):
    flag = Flag.objects.create(person=PersonFactory(), reason="data_to_check", raised_by=user)
    return Edit(
        reverse("people:flag_resolve", args=[flag.person_id, flag.pk]),
        flag,
        lambda version, n: {"resolution_note": f"Resolved {n}", "version": version},
    )


def _referral_update(user):
    partner = Partner.objects.create(name="Partner for locking")
    referral = Referral.objects.create(
        person=PersonFactory(),
        partner=partner,
        service="legal",
        referred_on=timezone.localdate(),
        created_by=user,
    )
    return Edit(
        reverse("people:referral_update", args=[referral.person_id, referral.pk]),
        referral,
        lambda version, n: {
            "status": "accepted" if n == 1 else "declined",
            "outcome_note": f"Outcome {n}",
            "version": version,
        },
    )


def _feedback_edit(user):
    feedback = Feedback.objects.create(
        person=PersonFactory(),
        received_on=timezone.localdate(),
        channel="phone",
        category="complaint",
        text="Late",
        recorded_by=user,
    )
    data = {
        "received_on": timezone.localdate().isoformat(),
        "channel": "phone",
        "category": "complaint",
        "text": "Late",
        "status": "open",
    }
    return Edit(
        reverse("people:feedback_edit", args=[feedback.person_id, feedback.pk]),
        feedback,
        lambda version, n: {**data, "response": f"Response {n}", "version": version},
    )


def _follow_up_done(user):
    follow_up = FollowUp.objects.create(
        person=PersonFactory(),
        due_on=timezone.localdate(),
        assignee=user,
        description="Call",
        created_by=user,
    )
    return Edit(
        reverse("people:follow_up_done", args=[follow_up.person_id, follow_up.pk]),
        follow_up,
        lambda version, n: {"version": version},
        button=True,
    )


def _status_change(user):
    person = PersonFactory(created_at=timezone.now() - timedelta(days=30))
    return Edit(
        reverse("people:status_change", args=[person.pk]),
        person,
        lambda version, n: {
            "to_status": "closed" if n == 1 else "resettled",
            "closing_reason": "unreachable" if n == 1 else "",
            "changed_on": timezone.localdate().isoformat(),
            "version": version,
        },
    )


def _session_edit(user):
    trainer = make_user(Role.TRAINER, [Location.objects.get(code="MAE-SOT")], mfa=False)
    session = TrainingSessionFactory(trainer=trainer)
    data = {
        "course": session.course_id,
        "date": session.date.isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "location": session.location_id,
        "trainer": session.trainer_id,
        "status": "planned",
    }
    return Edit(
        reverse("programs:session_edit", args=[session.pk]),
        session,
        lambda version, n: {**data, "capacity": 10 + n, "version": version},
    )


def _enrolment_status(user):
    enrolment = EnrolmentFactory()
    return Edit(
        reverse("programs:enrolment_status", args=[enrolment.pk]),
        enrolment,
        lambda version, n: {
            "status": "completed" if n == 1 else "dropped_out",
            "version": version,
        },
        button=True,
    )


def _distribution_confirm(user):
    distribution = DistributionFactory()
    return Edit(
        reverse("programs:distribution_confirm", args=[distribution.pk]),
        distribution,
        lambda version, n: {"version": version},
        button=True,
    )


def _check_out(user):
    stay = StayFactory(check_in=timezone.localdate() - timedelta(days=5))
    return Edit(
        reverse("programs:check_out", args=[stay.pk]),
        stay,
        lambda version, n: {
            "check_out": (timezone.localdate() - timedelta(days=n)).isoformat(),
            "version": version,
        },
        button=True,
    )


def _user_edit(user):
    target = make_user(Role.CASE_WORKER, [Location.objects.get(code="MAE-SOT")], mfa=False)
    site = Location.objects.get(code="MAE-SOT").pk
    return Edit(
        reverse("portal:user_edit", args=[target.pk]),
        target,
        lambda version, n: {
            "full_name": f"Name {n}",
            "role": Role.CASE_WORKER,
            "sites": [site],
            "is_active": "on",
            "version": version,
        },
    )


SCREEN_EDITS = {
    "people:edit": _person_edit,
    "people:exit_edit": _exit_edit,
    "people:note_edit": _note_edit,
    "people:flag_resolve": _flag_resolve,
    "people:referral_update": _referral_update,
    "people:feedback_edit": _feedback_edit,
    "people:follow_up_done": _follow_up_done,
    "people:status_change": _status_change,
    "programs:session_edit": _session_edit,
    "programs:enrolment_status": _enrolment_status,
    "programs:distribution_confirm": _distribution_confirm,
    "programs:check_out": _check_out,
    "portal:user_edit": _user_edit,
}


def _app_urls():
    """(name, pattern) of every URL of the apps."""

    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif namespace in APPS:
                yield f"{namespace}:{pattern.name}", pattern

    return dict(walk(get_resolver().url_patterns))


SAMPLE_VALUES = {"kind": "monthly", "period": "2025-08", "file_format": "csv", "number": 1}


def _any_url(name: str, pattern) -> str:
    """The URL with made-up ids: a page that only reads refuses a POST before any lookup."""
    converters = pattern.pattern.converters or dict.fromkeys(pattern.pattern.regex.groupindex, None)
    values = {}
    for key, converter in converters.items():
        kind = type(converter).__name__
        values[key] = SAMPLE_VALUES.get(key) or (
            uuid.uuid4() if kind == "UUIDConverter" else (7 if "Int" in kind else "x")
        )
    return reverse(name, kwargs=values or None)


READ_ONLY = sorted(set(_app_urls()) - set(SCREEN_EDITS) - set(NOT_EDITS))


def test_every_url_of_the_apps_is_classified():
    """The read-only set is what is left; a write among them fails the next test."""
    assert set(SCREEN_EDITS) | set(NOT_EDITS) <= set(_app_urls())
    assert not set(SCREEN_EDITS) & set(NOT_EDITS)


@pytest.mark.parametrize("name", READ_ONLY)
def test_pages_that_are_not_edits_refuse_a_post(client, signed_in, admin_user, name):
    """A page not classified as an edit (nor as another write) must not take a POST: a new
    edit form lands here, and fails, until it has its row in SCREEN_EDITS."""
    signed_in(admin_user)
    pattern = _app_urls()[name]
    response = client.post(_any_url(name, pattern))
    assert response.status_code in (403, 405), (name, response.status_code)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize("name", sorted(SCREEN_EDITS))
def test_second_of_two_saves_of_one_record_is_refused(admin_user, mae_sot, new_delhi, name):
    """Two colleagues open the same record and both save: the first is saved, the second is
    refused (409 with what differs, or a message for a one-button change) and overwrites
    nothing."""
    edit = SCREEN_EDITS[name](admin_user)
    opened = saved_version(edit.record)
    first_colleague, second_colleague = _client_for(admin_user), _client_for(admin_user)
    first = first_colleague.post(edit.url, edit.payload(opened, 1))
    assert first.status_code == 302, (name, first.status_code)
    second = second_colleague.post(edit.url, edit.payload(opened, 2))
    if edit.button:
        assert second.status_code == 302
        shown = [str(message) for message in get_messages(second.wsgi_request)]
        assert any("Someone else changed this record" in message for message in shown), shown
    else:
        assert second.status_code == 409, (name, second.status_code)
        assert second.context["stale_changes"] is not None
        assert "Someone else saved this record" in second.content.decode()
    # Exactly one save went through.
    assert saved_version(edit.record) == opened + 1


def test_a_form_without_its_version_is_refused_with_a_message(
    client, signed_in, admin_user, mae_sot
):
    edit = _exit_edit(admin_user)
    signed_in(admin_user)
    data = edit.payload(1, 1)
    del data["version"]
    response = client.post(edit.url, data)
    assert response.status_code == 200
    assert "does not say which version" in response.content.decode()
    assert saved_version(edit.record) == 1


def test_the_stale_page_shows_the_saved_values_next_to_mine(admin_user, mae_sot):
    edit = _exit_edit(admin_user)
    _client_for(admin_user).post(edit.url, edit.payload(1, 1))
    response = _client_for(admin_user).post(edit.url, edit.payload(1, 2))
    assert response.context["stale_changes"]["rank"] == ["Rank 2", "Rank 1"]
    assert edit.record.__class__.objects.get(pk=edit.record.pk).rank == "Rank 1"


def test_the_user_form_shows_a_change_of_sites(admin_user, mae_sot, new_delhi):
    edit = _user_edit(admin_user)
    _client_for(admin_user).post(edit.url, {**edit.payload(1, 1), "sites": [new_delhi.pk]})
    response = _client_for(admin_user).post(edit.url, edit.payload(1, 2))
    assert response.status_code == 409
    assert response.context["stale_changes"]["Sites"] == ["MAE-SOT", "NEW-DELHI"]
    assert list(edit.record.site_assignments.values_list("location__code", flat=True)) == [
        "NEW-DELHI"
    ]


# --- API -----------------------------------------------------------------------------------------


def _api_person(user):
    return PersonFactory(), {"preferred_name": "A"}, {"preferred_name": "B"}


def _api_location(user):
    site = Location.objects.create(code="LOCK-SITE", case_prefix="LK", name="Lock", country="TH")
    return site, {"name": "First"}, {"name": "Second"}


def _api_exit(user):
    return ExitFactory(), {"rank": "First"}, {"rank": "Second"}


def _api_note(user):
    note = CaseNote.objects.create(person=PersonFactory(), author=user, text="First")
    return note, {"text": "A"}, {"text": "B"}


def _api_partner(user):
    partner = Partner.objects.create(name="Partner for the API")
    return partner, {"contact": "A"}, {"contact": "B"}


def _api_course(user):
    return Course.objects.create(name="Tailoring"), {"description": "A"}, {"description": "B"}


def _api_session(user):
    trainer = make_user(Role.TRAINER, [Location.objects.get(code="MAE-SOT")], mfa=False)
    return TrainingSessionFactory(trainer=trainer), {"capacity": 11}, {"capacity": 12}


def _api_enrolment(user):
    return EnrolmentFactory(), {"status": "completed"}, {"status": "dropped_out"}


def _api_assistance_type(user):
    kind = AssistanceType.objects.create(name="Soap", kind="hygiene", unit="bar")
    return kind, {"unit": "box"}, {"unit": "pack"}


# Every resource with PUT/PATCH: (record, first change, second change).
API_EDITS = {
    "location": _api_location,
    "person": _api_person,
    "exit": _api_exit,
    "note": _api_note,
    "partner": _api_partner,
    "course": _api_course,
    "session": _api_session,
    "enrolment": _api_enrolment,
    "assistance-type": _api_assistance_type,
}


def _follow_up(user):
    follow_up = FollowUp.objects.create(
        person=PersonFactory(),
        due_on=timezone.localdate(),
        assignee=user,
        description="Call",
        created_by=user,
    )
    return follow_up, {}


def _distribution(user):
    return DistributionFactory(), {}


def _stay(user):
    return StayFactory(check_in=timezone.localdate() - timedelta(days=3)), {}


def _person_status(user):
    person = PersonFactory(created_at=timezone.now() - timedelta(days=3))
    return person, {"to_status": "closed", "closing_reason": "moved_away"}


def _transfer_request(user):
    new_delhi = site("NEW-DELHI")
    return TransferRequest.objects.create(
        person=PersonFactory(),
        from_location=site("MAE-SOT"),
        to_location=new_delhi,
        reason="Family",
        requested_by=user,
    ), new_delhi


def _transfer_accept(user):
    request, new_delhi = _transfer_request(user)
    return request, {"new_case_worker": make_user(Role.CASE_WORKER, [new_delhi]).pk}


def _transfer_decline(user):
    return _transfer_request(user)[0], {"decline_reason": "No place"}


def _transfer_withdraw(user):
    return _transfer_request(user)[0], {}


# POST actions on one record: they check If-Match (a stale one answers 412).
API_ACTIONS = {
    ("transfer-request", "accept"): _transfer_accept,
    ("transfer-request", "decline"): _transfer_decline,
    ("transfer-request", "withdraw"): _transfer_withdraw,
    ("person", "change_status"): _person_status,
    ("follow-up", "complete"): _follow_up,
    ("distribution", "confirm"): _distribution,
    ("stay", "check_out"): _stay,
}
API_ACTIONS_EXEMPT = {
    ("session", "attendance"): "the whole roster, made idempotent by its Idempotency-Key; "
    "every mark is kept in the attendance history",
    ("report-version", "approve"): "one-way: only the newest version awaiting approval, "
    "under the report's row lock; released or outdated answers 409",
}


def _registry():
    return {basename: viewset for _prefix, viewset, basename in router.registry}


def test_every_writable_api_resource_and_action_is_classified():
    updatable = {name for name, viewset in _registry().items() if hasattr(viewset, "update")}
    assert updatable == set(API_EDITS)
    actions = {
        (name, action.__name__)
        for name, viewset in _registry().items()
        for action in viewset.get_extra_actions()
        if action.detail and "post" in action.mapping
    }
    assert actions == set(API_ACTIONS) | set(API_ACTIONS_EXEMPT)


@pytest.mark.parametrize("basename", sorted(API_EDITS))
def test_every_resource_with_put_patch_locks_on_the_version(basename):
    viewset = _registry()[basename]
    model = viewset.queryset.model
    assert viewset.version_field == "version"
    assert model._meta.get_field("version").default == 1


@pytest.mark.parametrize("basename", sorted(API_EDITS))
def test_api_second_of_two_patches_with_one_etag_is_refused(api, admin_user, mae_sot, basename):
    record, first_change, second_change = API_EDITS[basename](admin_user)
    url = reverse(f"api:{basename}-detail", args=[record.pk])
    first_client, second_client = api(admin_user), api(admin_user)
    etag = first_client.get(url)["ETag"]
    assert second_client.get(url)["ETag"] == etag == f'"{saved_version(record)}"'
    first = first_client.patch(url, first_change, format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200, first.json()
    assert first["ETag"] == f'"{saved_version(record)}"' != etag
    second = second_client.patch(url, second_change, format="json", HTTP_IF_MATCH=etag)
    assert second.status_code == 412
    assert second.json() == {
        "status": 412,
        "code": "precondition_failed",
        "detail": second.json()["detail"],
        "errors": {},
    }
    assert saved_version(record) == 2


@pytest.mark.parametrize("key", sorted(API_ACTIONS))
def test_api_actions_refuse_a_stale_if_match(api, admin_user, mae_sot, key):
    basename, action = key
    record, body = API_ACTIONS[key](admin_user)
    viewset = _registry()[basename]
    url_name = next(a.url_name for a in viewset.get_extra_actions() if a.__name__ == action)
    url = reverse(f"api:{basename}-{url_name}", args=[record.pk])
    type(record).objects.filter(pk=record.pk).update(version=5)  # saved by someone meanwhile
    response = api(admin_user).post(url, body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412 and response.json()["code"] == "precondition_failed"
    assert saved_version(record) == 5
    fresh = api(admin_user).post(url, body, format="json", HTTP_IF_MATCH='"5"')
    assert fresh.status_code == 200, fresh.json()
    assert saved_version(record) == 6


def test_status_action_without_if_match_is_428(api, admin_user, mae_sot):
    person = PersonFactory()
    url = reverse("api:person-change-status", args=[person.pk])
    response = api(admin_user).post(url, {"to_status": "closed"}, format="json")
    assert response.status_code == 428
    assert people_services.Person.objects.get(pk=person.pk).status == "active"


# --- At the same moment (PostgreSQL: real row locks) ---------------------------------------------


def _at_once(count: int, send: Callable[[int], object]) -> list:
    """Run `send(i)` in `count` threads released together; their answers."""
    answers, errors = [], []
    start = threading.Barrier(count)

    def run(index):
        try:
            start.wait()
            answers.append(send(index))
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_api_saves_of_one_exit_at_once_one_wins(mae_sot):
    admin = make_user(Role.ADMIN, email="locking-admin@example.org")
    exit = ExitFactory()
    url = reverse("api:exit-detail", args=[exit.pk])
    tokens = [AuthToken.objects.create(admin)[1] for _ in range(8)]

    def send(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[index]}")
        return client.patch(url, {"rank": f"Rank {index}"}, format="json", HTTP_IF_MATCH='"1"')

    answers = _at_once(8, send)
    assert sorted(answer.status_code for answer in answers) == [200] + [412] * 7
    assert saved_version(exit) == 2


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_screen_saves_of_one_feedback_at_once_one_wins(mae_sot):
    admin = make_user(Role.ADMIN, email="locking-admin@example.org")
    edit = _feedback_edit(admin)

    def send(index):
        return _client_for(admin).post(edit.url, edit.payload(1, index))

    answers = _at_once(8, send)
    assert sorted(answer.status_code for answer in answers) == [302] + [409] * 7
    assert saved_version(edit.record) == 2


BUTTONS = {
    "people:follow_up_done",
    "programs:enrolment_status",
    "programs:distribution_confirm",
    "programs:check_out",
}


@pytest.mark.parametrize("name", sorted(set(SCREEN_EDITS) - BUTTONS))
def test_every_edit_page_sends_the_version_it_shows(admin_user, mae_sot, name):
    edit = SCREEN_EDITS[name](admin_user)
    assert not edit.button
    type(edit.record).objects.filter(pk=edit.record.pk).update(version=3)
    page = _client_for(admin_user).get(edit.url).content.decode()
    assert 'name="version" value="3"' in page


def test_the_buttons_send_the_version_of_their_record(admin_user, mae_sot):
    pages = {
        "people:follow_up_done": lambda e: reverse("people:detail", args=[e.record.person_id]),
        "programs:enrolment_status": lambda e: reverse(
            "programs:session_detail", args=[e.record.session_id]
        ),
        "programs:distribution_confirm": lambda e: reverse("programs:distribution_list"),
        "programs:check_out": lambda e: reverse("programs:home_detail", args=[e.record.home_id]),
    }
    assert set(pages) == BUTTONS
    for name, page_of in pages.items():
        edit = SCREEN_EDITS[name](admin_user)
        assert edit.button
        type(edit.record).objects.filter(pk=edit.record.pk).update(version=4)
        page = _client_for(admin_user).get(page_of(edit)).content.decode()
        assert f'action="{edit.url}"' in page, name
        assert 'name="version" value="4"' in page, name
