"""The transfer-request API (issue 22): ask, list incoming/outgoing, accept, decline,
withdraw; the same rules as the screens (`people.transfers`)."""

import pytest
from django.urls import reverse
from knox.models import AuthToken
from rest_framework.test import APIClient

from people.models import FollowUp, Person, TransferRequest
from portal.models import AuditEvent
from portal.roles import Role
from tests.api.test_locking_everywhere import _at_once
from tests.conftest import make_user
from tests.people.factories import PersonFactory


@pytest.fixture
def person(mae_sot, case_worker_mae_sot):
    return PersonFactory(location=mae_sot, case_worker=case_worker_mae_sot)


def _ask(api, user, person, to_location):
    return api(user).post(
        reverse("api:transfer-request-list"),
        {"person": person.pk, "to_location": to_location.pk, "reason": "Family in Delhi"},
        format="json",
    )


def test_ask_then_accept_moves_the_person_and_the_follow_ups(
    api, person, case_worker_mae_sot, case_worker_delhi, new_delhi
):
    follow_up = FollowUp.objects.create(
        person=person,
        due_on="2030-01-01",
        assignee=case_worker_mae_sot,
        description="Call",
        created_by=case_worker_mae_sot,
    )
    asked = _ask(api, case_worker_mae_sot, person, new_delhi)
    assert asked.status_code == 201, asked.json()
    assert asked.json()["status"] == "requested" and asked["ETag"] == '"1"'
    assert Person.objects.get(pk=person.pk).location.code == "MAE-SOT"
    incoming = api(case_worker_delhi).get(
        reverse("api:transfer-request-list"), {"direction": "incoming"}
    )
    assert [row["id"] for row in incoming.json()["results"]] == [asked.json()["id"]]
    outgoing = api(case_worker_delhi).get(
        reverse("api:transfer-request-list"), {"direction": "outgoing"}
    )
    assert outgoing.json()["results"] == []
    accepted = api(case_worker_delhi).post(
        reverse("api:transfer-request-accept", args=[asked.json()["id"]]),
        {"new_case_worker": case_worker_delhi.pk},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted" and accepted.json()["transfer"]
    person.refresh_from_db()
    assert person.location == new_delhi and person.case_worker == case_worker_delhi
    assert FollowUp.objects.get(pk=follow_up.pk).assignee == case_worker_delhi
    assert AuditEvent.objects.filter(
        object_type="people.transferrequest", changes__status=["requested", "accepted"]
    ).exists()


def test_a_second_open_request_is_400(api, person, case_worker_mae_sot, new_delhi):
    assert _ask(api, case_worker_mae_sot, person, new_delhi).status_code == 201
    second = _ask(api, case_worker_mae_sot, person, new_delhi)
    assert second.status_code == 400
    assert TransferRequest.objects.count() == 1


def test_answering_an_answered_request_is_400_and_says_who(
    api, person, case_worker_mae_sot, case_worker_delhi, new_delhi
):
    pk = _ask(api, case_worker_mae_sot, person, new_delhi).json()["id"]
    url = reverse("api:transfer-request-withdraw", args=[pk])
    assert api(case_worker_mae_sot).post(url, format="json").status_code == 200
    late = api(case_worker_delhi).post(
        reverse("api:transfer-request-decline", args=[pk]),
        {"decline_reason": "No place"},
        format="json",
    )
    assert late.status_code == 400
    assert "already withdrawn" in str(late.json())


def test_decline_without_a_reason_is_400_and_changes_nothing(
    api, person, case_worker_mae_sot, case_worker_delhi, new_delhi
):
    pk = _ask(api, case_worker_mae_sot, person, new_delhi).json()["id"]
    response = api(case_worker_delhi).post(
        reverse("api:transfer-request-decline", args=[pk]), {}, format="json"
    )
    assert response.status_code == 400 and "decline_reason" in response.json()["errors"]
    assert TransferRequest.objects.get(pk=pk).status == "requested"


def test_a_third_site_gets_404(api, person, case_worker_mae_sot, new_delhi, mae_sariang):
    pk = _ask(api, case_worker_mae_sot, person, new_delhi).json()["id"]
    outsider = make_user(Role.CASE_WORKER, [mae_sariang])
    url = reverse("api:transfer-request-detail", args=[pk])
    assert api(outsider).get(url).status_code == 404


def test_the_transfer_history_cannot_be_created_directly(
    api, person, case_worker_mae_sot, new_delhi
):
    response = api(case_worker_mae_sot).post(
        reverse("api:transfer-list"),
        {"person": person.pk, "to_location": new_delhi.pk, "reason": "x"},
        format="json",
    )
    # Nobody writes the history: the role check refuses the POST before the route would.
    assert response.status_code == 403
    assert not person.transfers.exists()
    assert Person.objects.get(pk=person.pk).location.code == "MAE-SOT"


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_four_accepts_at_once_one_wins(mae_sot, new_delhi):
    sender = make_user(Role.CASE_WORKER, [mae_sot], email="sender@example.org")
    receivers = [
        make_user(Role.CASE_WORKER, [new_delhi], email=f"receiver{n}@example.org") for n in range(4)
    ]
    person = PersonFactory(location=mae_sot, case_worker=sender)
    request = TransferRequest.objects.create(
        person=person, from_location=mae_sot, to_location=new_delhi, reason="x",
        requested_by=sender,
    )  # fmt: skip
    url = reverse("api:transfer-request-accept", args=[request.pk])
    tokens = [AuthToken.objects.create(user)[1] for user in receivers]

    def send(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[index]}")
        # Without If-Match: a late answer reaches the service, which says who answered.
        return client.post(url, {"new_case_worker": receivers[index].pk}, format="json")

    answers = _at_once(4, send)
    assert sorted(answer.status_code for answer in answers) == [200, 400, 400, 400]
    winner = next(a for a in answers if a.status_code == 200).json()["new_case_worker"]
    person.refresh_from_db()
    assert person.case_worker_id == winner and person.location == new_delhi
    assert person.transfers.count() == 1
