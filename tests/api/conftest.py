"""Fixtures of the API tests: clients authenticated with a personal token, and one record of
every kind at MAE-SOT (own site) and NEW-DELHI (other site)."""

from datetime import date

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from people import services
from people.models import Partner
from tests.people.conftest import person_delhi, person_mae_sot  # noqa: F401 (fixtures)
from tests.people.factories import ExitFactory


@pytest.fixture
def api():
    """`api(user)`: an APIClient sending a fresh personal token of `user`; `api()`: anonymous."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            _, token = AuthToken.objects.create(user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return client_for


@pytest.fixture
def partner(db):
    return Partner.objects.create(name="Legal aid partner", services=["legal"])


@pytest.fixture
def records(person_mae_sot, person_delhi, case_worker_mae_sot, case_worker_delhi, partner):  # noqa: F811
    """One record of each kind per site: records["own"] at MAE-SOT, records["other"] at
    NEW-DELHI. Notes are written by the case worker of the site."""
    result = {"partner": partner}
    for key, person, author in (
        ("own", person_mae_sot, case_worker_mae_sot),
        ("other", person_delhi, case_worker_delhi),
    ):
        result[key] = {
            "person": person,
            "exit": ExitFactory(person=person),
            "note": services.add_note(by=author, person=person, text=f"Note on {key}"),
            "follow_up": services.add_follow_up(
                by=author, person=person, due_on=date(2030, 1, 1), assignee=author,
                description="Call back",
            ),
        }  # fmt: skip
    return result
