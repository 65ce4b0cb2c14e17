"""Personal API tokens: created on the token page (after MFA), shown once, stored hashed,
expiring, revocable; and the checks token requests get instead of the page middleware."""

import re
from datetime import timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.urls import reverse
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from portal import services
from portal.models import AuditEvent, Pledge
from portal.roles import Role
from tests.conftest import make_user

TOKENS = reverse("api:tokens")
REVOKE = reverse("api:token_revoke")
PEOPLE = reverse("api:person-list")
TOKEN_IN_PAGE = re.compile(r"user-select-all text-break\">([0-9a-f]{64})<")


def create_token(client, days=30) -> str:
    response = client.post(TOKENS, {"days": days})
    assert response.status_code == 200
    match = TOKEN_IN_PAGE.search(response.content.decode())
    assert match, "the new token is shown"
    return match.group(1)


def token_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.mark.parametrize("role", list(Role))
def test_every_role_creates_a_token_shown_once(client, signed_in, mae_sot, role):
    user = make_user(role, [mae_sot])
    signed_in(user)
    token = create_token(client)
    page = client.get(TOKENS).content.decode()
    assert token not in page  # shown once
    assert token[:8] in page  # recognisable by its first characters
    stored = AuthToken.objects.get(user=user)
    assert stored.digest == hash_token(token) and token not in (stored.digest, stored.token_key)
    assert abs(stored.expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    event = AuditEvent.objects.get(action="create", object_type="knox.authtoken")
    assert event.actor == user and event.object_id == token[:8]
    assert token not in str(event.changes)


def test_token_page_needs_sign_in_and_mfa_for_staff(client, signed_in, mae_sot):
    assert client.get(TOKENS).status_code == 302  # to the login page
    admin = make_user(Role.ADMIN, mfa=False)
    signed_in(admin)
    response = client.post(TOKENS, {"days": 30})
    assert response.status_code == 302 and response.url == reverse("mfa_activate_totp")
    assert not AuthToken.objects.exists()


def test_the_token_gives_the_users_access(client, signed_in, case_worker_mae_sot, records):
    signed_in(case_worker_mae_sot)
    api = token_client(create_token(client))
    ids = [row["id"] for row in api.get(PEOPLE).json()["results"]]
    assert ids == [records["own"]["person"].pk]


def test_token_expires(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    api = token_client(create_token(client, days=1))
    assert api.get(PEOPLE).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        response = api.get(PEOPLE)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert not AuthToken.objects.exists()  # knox deletes the expired token


def test_lifetime_is_at_most_the_configured_one(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    response = client.post(TOKENS, {"days": 365})
    assert response.status_code == 200 and not AuthToken.objects.exists()
    assert "days" in response.context["form"].errors


def test_token_revoked(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    api = token_client(create_token(client))
    digest = AuthToken.objects.get().digest
    response = client.post(REVOKE, {"token": digest})
    assert response.status_code == 302 and response.url == TOKENS
    assert api.get(PEOPLE).status_code == 401
    assert AuditEvent.objects.filter(action="delete", object_type="knox.authtoken").exists()


def test_nobody_revokes_another_users_token(client, signed_in, case_worker_mae_sot, admin_user):
    signed_in(case_worker_mae_sot)
    create_token(client)
    digest = AuthToken.objects.get().digest
    signed_in(admin_user)
    assert client.post(REVOKE, {"token": digest}).status_code == 404
    assert AuthToken.objects.filter(digest=digest).exists()


def test_revoke_is_post_only(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    assert client.get(REVOKE).status_code == 405


def test_number_of_tokens_is_limited(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    for _ in range(5):
        create_token(client)
    response = client.post(TOKENS, {"days": 30})
    assert response.status_code == 200 and AuthToken.objects.count() == 5
    assert response.context["form"].non_field_errors()


def test_token_page_has_no_inline_script_or_style(client, signed_in, analyst):
    signed_in(analyst)
    page = client.get(TOKENS).content.decode()
    assert "<script>" not in page and "<style" not in page and " style=" not in page


# --- What the page middleware checks, the API checks again for token requests --------------------


def test_token_of_staff_without_second_factor_is_refused(api, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    Authenticator.objects.filter(user=case_worker_mae_sot).delete()
    response = client.get(PEOPLE)
    assert response.status_code == 403
    assert "two-factor" in response.json()["detail"]


def test_token_of_user_who_has_not_accepted_the_new_pledge_is_refused(api, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    Pledge.objects.create(version=99, text="New pledge")
    response = client.get(PEOPLE)
    assert response.status_code == 403 and "pledge" in response.json()["detail"]


def test_token_of_deactivated_user_is_refused(api, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    case_worker_mae_sot.is_active = False
    case_worker_mae_sot.save()
    assert client.get(PEOPLE).status_code == 401


def test_role_change_applies_to_existing_tokens(api, case_worker_mae_sot):
    client = api(case_worker_mae_sot)
    assert client.get(PEOPLE).status_code == 200
    services.set_role(case_worker_mae_sot, Role.ANALYST)
    assert client.get(PEOPLE).status_code == 403
