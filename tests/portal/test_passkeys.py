"""Passkeys (issue 20): allauth's WebAuthn is on, and admins may be required to register one
(ADMIN_PASSKEY_REQUIRED, enforced by MfaRequiredMiddleware). The browser journeys are in
tests/e2e/test_passkeys.py."""

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings as django_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_webauthn_and_passkey_sign_in_are_enabled():
    assert "webauthn" in django_settings.MFA_SUPPORTED_TYPES
    assert django_settings.MFA_PASSKEY_LOGIN_ENABLED


def test_the_sign_in_page_offers_a_passkey_with_scripts_from_the_portal_only(client):
    page = client.get(reverse("account_login")).content.decode()
    assert 'id="passkey_login"' in page and "/static/mfa/js/webauthn.js" in page
    assert "<script>" not in page  # no inline script: the CSP allows 'self' only


def test_an_admin_without_a_passkey_is_sent_to_add_one_when_required(
    client, signed_in, settings, admin_user, case_worker_mae_sot
):
    settings.ADMIN_PASSKEY_REQUIRED = True
    signed_in(admin_user)
    response = client.get(reverse("people:list"))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_add_webauthn")
    signed_in(case_worker_mae_sot)
    assert client.get(reverse("people:list")).status_code == 200


def test_an_admin_with_a_passkey_passes_when_required(client, signed_in, settings, admin_user):
    settings.ADMIN_PASSKEY_REQUIRED = True
    Authenticator.objects.create(
        user=admin_user, type=Authenticator.Type.WEBAUTHN, data={"name": "key", "credential": {}}
    )
    signed_in(admin_user)
    assert client.get(reverse("people:list")).status_code == 200


def test_passkeys_are_not_required_by_default(client, signed_in, admin_user):
    signed_in(admin_user)
    assert client.get(reverse("people:list")).status_code == 200
