"""Transfers as a request (issue 22): ask with a confirmation, accept (the person, their case
and open follow-ups move), decline with a reason, withdraw; audited; both sites told."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from people import restricted, services, transfers
from people.models import FollowUp, Person, TransferRequest
from portal.concurrency import StaleEditError
from portal.models import AuditEvent
from portal.roles import Role
from tests.conftest import make_user
from tests.people.factories import PersonFactory

Status = TransferRequest.Status


@pytest.fixture
def person(mae_sot, case_worker_mae_sot):
    return PersonFactory(location=mae_sot, case_worker=case_worker_mae_sot, full_name="Kyaw Oo")


@pytest.fixture
def asked(person, case_worker_mae_sot, new_delhi):
    return transfers.request_transfer(
        by=case_worker_mae_sot, person=person, to_location=new_delhi, reason="Family in Delhi"
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- Services --------------------------------------------------------------------------------


def test_a_request_leaves_the_person_at_the_old_site_and_is_audited(asked, person, mae_sot):
    person.refresh_from_db()
    assert person.location == mae_sot and asked.status == Status.REQUESTED
    row = AuditEvent.objects.get(object_type="people.transferrequest", action="create")
    assert row.person_id == person.pk and row.changes["to"] == [None, "NEW-DELHI"]
    assert "Family" not in str(row.changes)  # the reason is personal: never in the log


def test_a_second_open_request_for_the_same_person_is_refused(asked, person, case_worker_mae_sot):
    with pytest.raises(ValidationError):
        transfers.request_transfer(
            by=case_worker_mae_sot, person=person, to_location=asked.to_location, reason="Again"
        )
    assert TransferRequest.objects.count() == 1


def test_the_database_allows_one_open_request_per_person(asked, person, case_worker_mae_sot):
    with pytest.raises(IntegrityError):
        TransferRequest.objects.create(
            person=person,
            from_location=asked.from_location,
            to_location=asked.to_location,
            reason="x",
            requested_by=case_worker_mae_sot,
        )


def test_a_request_to_the_persons_own_site_or_without_reason_is_refused(
    person, case_worker_mae_sot, mae_sot, new_delhi
):
    with pytest.raises(ValidationError):
        transfers.request_transfer(
            by=case_worker_mae_sot, person=person, to_location=mae_sot, reason="x"
        )
    with pytest.raises(ValidationError):
        transfers.request_transfer(
            by=case_worker_mae_sot, person=person, to_location=new_delhi, reason="  "
        )
    assert not TransferRequest.objects.exists()


def test_accepting_moves_the_person_the_case_and_the_open_follow_ups(
    person, case_worker_mae_sot, case_worker_delhi, new_delhi
):
    open_follow_up = services.add_follow_up(
        by=case_worker_mae_sot,
        person=person,
        due_on=timezone.localdate(),
        assignee=case_worker_mae_sot,
        description="Call",
    )
    done = services.add_follow_up(
        by=case_worker_mae_sot,
        person=person,
        due_on=timezone.localdate(),
        assignee=case_worker_mae_sot,
        description="Visit",
    )
    services.complete_follow_up(by=case_worker_mae_sot, follow_up=done, expected_version=1)
    request = transfers.request_transfer(
        by=case_worker_mae_sot, person=person, to_location=new_delhi, reason="Safety"
    )
    accepted = transfers.accept_transfer(
        by=case_worker_delhi,
        request=request,
        new_case_worker=case_worker_delhi,
        expected_version=request.version,
    )
    person.refresh_from_db()
    assert person.location == new_delhi and person.case_worker == case_worker_delhi
    assert accepted.status == Status.ACCEPTED and accepted.decided_by == case_worker_delhi
    assert accepted.transfer.from_location.code == "MAE-SOT"
    assert FollowUp.objects.get(pk=open_follow_up.pk).assignee == case_worker_delhi
    assert FollowUp.objects.get(pk=done.pk).assignee == case_worker_mae_sot  # history stays
    audited = set(AuditEvent.objects.filter(action="update").values_list("object_type", flat=True))
    assert {"people.transferrequest", "people.person", "people.followup"} <= audited


def test_the_sending_site_cannot_accept_its_own_request(asked, case_worker_mae_sot):
    with pytest.raises(PermissionDenied):
        transfers.accept_transfer(
            by=case_worker_mae_sot,
            request=asked,
            new_case_worker=case_worker_mae_sot,
            expected_version=1,
        )
    asked.refresh_from_db()
    assert asked.status == Status.REQUESTED


def test_the_new_case_worker_must_work_at_the_receiving_site(
    asked, case_worker_delhi, case_worker_mae_sot
):
    with pytest.raises(ValidationError):
        transfers.accept_transfer(
            by=case_worker_delhi,
            request=asked,
            new_case_worker=case_worker_mae_sot,
            expected_version=1,
        )


def test_of_two_accepts_one_wins_and_the_other_is_told_who(asked, case_worker_delhi, new_delhi):
    other = make_user(Role.CASE_WORKER, [new_delhi], full_name="Second Delhi")
    transfers.accept_transfer(
        by=case_worker_delhi, request=asked, new_case_worker=case_worker_delhi, expected_version=1
    )
    # The second read the request at version 1 too, before the first answer.
    with pytest.raises(ValidationError) as refused:
        transfers.accept_transfer(
            by=other, request=asked, new_case_worker=other, expected_version=1
        )
    assert "already accepted" in " ".join(refused.value.messages)
    assert Person.objects.get(pk=asked.person_id).case_worker == case_worker_delhi


def test_a_stale_version_is_refused(asked, case_worker_delhi):
    TransferRequest.objects.filter(pk=asked.pk).update(version=3)
    with pytest.raises(StaleEditError):
        transfers.decline_transfer(
            by=case_worker_delhi, request=asked, reason="No place", expected_version=1
        )


def test_declining_needs_a_reason_and_leaves_the_person(asked, case_worker_delhi, mae_sot):
    with pytest.raises(ValidationError):
        transfers.decline_transfer(
            by=case_worker_delhi, request=asked, reason="", expected_version=1
        )
    declined = transfers.decline_transfer(
        by=case_worker_delhi, request=asked, reason="No safe home free", expected_version=1
    )
    assert declined.status == Status.DECLINED and declined.decline_reason == "No safe home free"
    assert Person.objects.get(pk=asked.person_id).location == mae_sot


def test_only_the_sending_site_or_an_admin_withdraws(asked, case_worker_delhi, case_worker_mae_sot):
    with pytest.raises(PermissionDenied):
        transfers.withdraw_transfer(by=case_worker_delhi, request=asked, expected_version=1)
    withdrawn = transfers.withdraw_transfer(
        by=case_worker_mae_sot, request=asked, expected_version=1
    )
    assert withdrawn.status == Status.WITHDRAWN
    # Withdrawn: a new request may be sent.
    transfers.request_transfer(
        by=case_worker_mae_sot,
        person=asked.person,
        to_location=asked.to_location,
        reason="Again",
    )


def test_an_admin_acts_for_any_site(asked, admin_user, case_worker_delhi):
    accepted = transfers.accept_transfer(
        by=admin_user, request=asked, new_case_worker=case_worker_delhi, expected_version=1
    )
    assert accepted.decided_by == admin_user


def test_a_withdrawn_request_cannot_be_accepted(asked, case_worker_mae_sot, case_worker_delhi):
    transfers.withdraw_transfer(by=case_worker_mae_sot, request=asked, expected_version=1)
    with pytest.raises(ValidationError):
        transfers.accept_transfer(
            by=case_worker_delhi,
            request=asked,
            new_case_worker=case_worker_delhi,
            expected_version=2,
        )


# --- Screens ----------------------------------------------------------------------------------


def test_the_request_is_confirmed_before_it_is_sent(
    client, signed_in, person, case_worker_mae_sot, new_delhi
):
    signed_in(case_worker_mae_sot)
    url = reverse("people:transfer", args=[person.pk])
    data = {"to_location": new_delhi.pk, "reason": "Family in Delhi"}
    confirm = client.post(url, data)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    for shown in ("Kyaw Oo", person.case_number, "Mae Sot", "New Delhi", "Family in Delhi"):
        assert shown in page
    assert not TransferRequest.objects.exists()
    # "Change" goes back to the form with what was typed, which confirms nothing.
    back = client.post(url, {**data, "confirmed": "1", "change": "1"}).content.decode()
    assert "Family in Delhi" in back and 'name="confirmed"' not in back
    assert not TransferRequest.objects.exists()
    sent = client.post(url, {**data, "confirmed": "1"})
    assert sent.status_code == 302 and sent.url == reverse("people:detail", args=[person.pk])
    assert TransferRequest.objects.get().status == Status.REQUESTED
    assert any(person.case_number in m and "New Delhi" in m for m in _messages(sent))
    detail = client.get(sent.url).content.decode()
    assert "the person stays here until New Delhi" in detail


def test_an_invalid_request_shows_the_error_and_sends_nothing(
    client, signed_in, person, case_worker_mae_sot
):
    signed_in(case_worker_mae_sot)
    response = client.post(
        reverse("people:transfer", args=[person.pk]), {"reason": "x", "confirmed": "1"}
    )
    assert response.status_code == 200 and not TransferRequest.objects.exists()


def test_the_receiving_case_worker_sees_and_accepts_an_incoming_transfer(
    client, signed_in, asked, case_worker_delhi, case_worker_mae_sot
):
    signed_in(case_worker_delhi)
    home = client.get(reverse("home")).content.decode()
    assert asked.person.case_number in home and "Incoming" in home
    listing = client.get(reverse("people:transfers")).content.decode()
    assert reverse("people:transfer_accept", args=[asked.pk]) in listing
    # Not theirs until accepted: no link to a person page that would answer 404.
    assert reverse("people:detail", args=[asked.person_id]) not in listing
    url = reverse("people:transfer_accept", args=[asked.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"new_case_worker": case_worker_delhi.pk, "version": 1})
    assert response.status_code == 302
    person = Person.objects.get(pk=asked.person_id)
    assert person.location.code == "NEW-DELHI" and person.case_worker == case_worker_delhi
    # The sending site is told on its home page; the person page is no longer theirs.
    signed_in(case_worker_mae_sot)
    home = client.get(reverse("home")).content.decode()
    assert "Accepted" in home and person.case_number in home
    assert client.get(reverse("people:detail", args=[person.pk])).status_code == 404


def test_a_second_accept_from_a_stale_page_is_told_and_changes_nothing(
    client, signed_in, asked, case_worker_delhi, new_delhi
):
    other = make_user(Role.CASE_WORKER, [new_delhi])
    transfers.accept_transfer(by=other, request=asked, new_case_worker=other, expected_version=1)
    signed_in(case_worker_delhi)
    response = client.post(
        reverse("people:transfer_accept", args=[asked.pk]),
        {"new_case_worker": case_worker_delhi.pk, "version": 1},
    )
    assert response.status_code == 302
    assert any("already accepted" in m for m in _messages(response))
    assert Person.objects.get(pk=asked.person_id).case_worker == other


def test_the_receiving_site_declines_with_a_reason(client, signed_in, asked, case_worker_delhi):
    signed_in(case_worker_delhi)
    url = reverse("people:transfer_decline", args=[asked.pk])
    assert client.post(url, {"decline_reason": "", "version": 1}).status_code == 200
    response = client.post(url, {"decline_reason": "No place", "version": 1})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == Status.DECLINED


def test_the_sender_withdraws_and_the_receiver_cannot(
    client, signed_in, asked, case_worker_delhi, case_worker_mae_sot
):
    url = reverse("people:transfer_withdraw", args=[asked.pk])
    signed_in(case_worker_delhi)
    assert client.post(url, {"version": 1}).status_code == 403
    signed_in(case_worker_mae_sot)
    assert client.post(url, {"version": 1}).status_code == 302
    asked.refresh_from_db()
    assert asked.status == Status.WITHDRAWN


def test_the_sending_site_cannot_open_the_accept_page(
    client, signed_in, asked, case_worker_mae_sot
):
    signed_in(case_worker_mae_sot)
    assert client.get(reverse("people:transfer_accept", args=[asked.pk])).status_code == 403


def test_a_third_site_does_not_see_the_request(client, signed_in, asked, mae_sariang):
    signed_in(make_user(Role.CASE_WORKER, [mae_sariang]))
    assert client.get(reverse("people:transfer_accept", args=[asked.pk])).status_code == 404
    assert asked.person.case_number not in client.get(reverse("people:transfers")).content.decode()


def test_a_restricted_persons_request_is_hidden_from_the_receiving_case_workers(
    client, signed_in, asked, admin_user, case_worker_delhi
):
    restricted.set_restriction(
        by=admin_user, person=asked.person, restricted=True, reason="safeguarding"
    )
    signed_in(case_worker_delhi)
    assert client.get(reverse("people:transfer_accept", args=[asked.pk])).status_code == 404
    # Admins act for any site.
    signed_in(admin_user)
    assert client.get(reverse("people:transfer_accept", args=[asked.pk])).status_code == 200


def test_the_transfers_page_is_audited_and_keeps_to_its_query_budget(
    client, signed_in, asked, case_worker_delhi, django_assert_max_num_queries, new_delhi
):
    for _ in range(5):
        transfers.request_transfer(
            by=make_user(Role.ADMIN), person=PersonFactory(), to_location=new_delhi, reason="x"
        )
    signed_in(case_worker_delhi)
    # Session, user, MFA, pledge (2), sites; the three lists (one query each, whatever
    # their length); the audit row (chain head read and moved, insert); savepoints (4);
    # the session saved.
    with django_assert_max_num_queries(17):
        response = client.get(reverse("people:transfers"))
    assert response.status_code == 200
    row = AuditEvent.objects.filter(action="view", object_type="people.transfers").last()
    assert set(row.changes["people"][1]) == {r.person_id for r in TransferRequest.objects.all()}


def test_decided_requests_leave_the_home_page_after_two_weeks(
    client, signed_in, asked, case_worker_mae_sot
):
    transfers.withdraw_transfer(by=case_worker_mae_sot, request=asked, expected_version=1)
    TransferRequest.objects.filter(pk=asked.pk).update(
        decided_at=timezone.now() - timedelta(days=15)
    )
    signed_in(case_worker_mae_sot)
    assert "Answered in the last two weeks" not in client.get(reverse("home")).content.decode()
    TransferRequest.objects.filter(pk=asked.pk).update(decided_at=timezone.now())
    assert "Answered in the last two weeks" in client.get(reverse("home")).content.decode()
