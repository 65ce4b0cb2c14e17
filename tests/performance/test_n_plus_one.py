"""N+1 detection is on in the tests (django-zeal, the autouse fixture in tests/conftest.py):
a page that reads a relation once per row fails its test with `NPlusOneError`."""

import pytest
from zeal import NPlusOneError

from tests.programs.factories import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.performance.n_plus_one_urls")]


@pytest.fixture
def people(mae_sot, new_delhi):
    return [
        PersonFactory(location=mae_sot),
        PersonFactory(location=new_delhi, case_number="ND-25-00001"),
    ]


def test_a_request_with_an_n_plus_one_fails(client, admin_user, people):
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    with pytest.raises(NPlusOneError, match="people.Person.location"):
        client.get("/n-plus-one/")


def test_the_same_page_with_select_related_passes(client, admin_user, people):
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/joined/")
    assert response.status_code == 200
    assert response.content.decode() in {"MAE-SOT, NEW-DELHI", "NEW-DELHI, MAE-SOT"}
