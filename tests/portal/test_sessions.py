"""The portal's session store (`portal.sessions`): Django's database sessions, read with one
short statement; the same data, expired and unknown keys refused as Django refuses them."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from portal.sessions import SessionStore

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored():
    session = DjangoSessionStore()
    session["people_filters"] = {"q": "kyaw"}
    session["signed_in_at"] = 1.5
    session.create()
    session.save()
    return session.session_key


def test_a_session_reads_as_djangos_with_one_query(stored, django_assert_num_queries):
    with django_assert_num_queries(1):
        data = SessionStore(stored).load()
    assert (
        data
        == DjangoSessionStore(stored).load()
        == {
            "people_filters": {"q": "kyaw"},
            "signed_in_at": 1.5,
        }
    )


@pytest.mark.parametrize("key", ["unknownkey12345678", "short", None])
def test_an_unknown_or_malformed_key_reads_as_an_empty_new_session(key):
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_an_expired_session_is_not_read(stored):
    Session.objects.filter(session_key=stored).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    store = SessionStore(stored)
    assert store.load() == {}
    assert store.session_key is None


def test_signed_in_pages_use_the_portals_store(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    response = client.get(reverse("people:list"))
    assert response.status_code == 200
    assert isinstance(response.wsgi_request.session, SessionStore)
    client.post(reverse("account_logout"))
    assert client.get(reverse("people:list")).status_code == 302
