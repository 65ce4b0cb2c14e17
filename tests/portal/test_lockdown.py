"""Lockdown (issue 20): an admin locks a site or a user in one step; sessions and API tokens
end at once, sign-in is refused until unlocked, and the users' devices are told to erase
the portal's data at their next request."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from knox.models import AuthToken

from portal import services
from portal.models import AuditEvent, Device, User
from portal.roles import Role
from tests.conftest import make_user
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

MY_SESSIONS = "/programs/my-sessions/"


def signed_in_browser(user) -> Client:
    """A browser that signed in through the form (and so holds a device cookie)."""
    browser = Client()
    response = browser.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert browser.cookies.get(services.DEVICE_COOKIE)
    return browser


@pytest.fixture
def trainer_at_site(mae_sot):
    return make_user(Role.TRAINER, [mae_sot], mfa=False, email="trainer.ms@example.org")


@pytest.fixture
def trainer_elsewhere(new_delhi):
    return make_user(Role.TRAINER, [new_delhi], mfa=False, email="trainer.nd@example.org")


def lock_site_on_screen(client, signed_in, admin_user, location, reason="Raid at the office"):
    signed_in(admin_user)
    return client.post(reverse("portal:lock_site", args=[location.pk]), {"reason": reason})


def test_locking_a_site_ends_sessions_and_tokens_of_its_users_at_once(
    client, signed_in, admin_user, mae_sot, trainer_at_site, trainer_elsewhere, case_worker_mae_sot
):
    phone, other_phone = signed_in_browser(trainer_at_site), signed_in_browser(trainer_elsewhere)
    AuthToken.objects.create(trainer_at_site)
    AuthToken.objects.create(trainer_elsewhere)
    assert phone.get(MY_SESSIONS).status_code == 200
    response = lock_site_on_screen(client, signed_in, admin_user, mae_sot)
    assert response.status_code == 302
    locked = set(User.objects.filter(locked_at__isnull=False))
    assert locked == {trainer_at_site, case_worker_mae_sot}
    assert phone.get(MY_SESSIONS).status_code == 302  # signed out: to the sign-in page
    assert other_phone.get(MY_SESSIONS).status_code == 200
    assert list(AuthToken.objects.values_list("user", flat=True)) == [trainer_elsewhere.pk]
    admin_user.refresh_from_db()
    assert admin_user.locked_at is None  # the admin's own session goes on
    event = AuditEvent.objects.get(object_type="portal.location", action="update")
    assert event.actor == admin_user and event.changes["locked"] == [None, "Raid at the office"]
    assert event.changes["users_locked"] == [None, 2]


def test_a_locked_user_cannot_sign_in_until_unlocked(
    client, signed_in, admin_user, mae_sot, trainer_at_site
):
    lock_site_on_screen(client, signed_in, admin_user, mae_sot)
    browser = Client()
    refused = browser.post(
        reverse("account_login"), {"login": trainer_at_site.email, "password": PASSWORD}
    )
    assert refused.status_code == 200 and "This account is locked" in refused.content.decode()
    assert browser.get(MY_SESSIONS).status_code == 302
    client.post(reverse("portal:unlock_site", args=[mae_sot.pk]))
    signed_in_browser(trainer_at_site)


def test_the_phone_is_told_to_erase_the_portal_data_at_its_next_request(
    client, signed_in, admin_user, mae_sot, trainer_at_site
):
    phone = signed_in_browser(trainer_at_site)
    bystander = Client()
    lock_site_on_screen(client, signed_in, admin_user, mae_sot)
    answer = phone.get(MY_SESSIONS)
    assert answer["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert answer["X-Portal-Wipe"] == "1"
    assert "X-Portal-Wipe" not in bystander.get(reverse("account_login"))
    device = Device.objects.get(user=trainer_at_site)
    assert device.wipe_signalled_at is not None
    assert AuditEvent.objects.filter(
        object_id=str(trainer_at_site.pk), changes__has_key="device_erased"
    ).exists()


def test_the_api_answers_a_locked_phone_with_the_erase_signal(
    client, signed_in, admin_user, trainer_at_site
):
    phone = signed_in_browser(trainer_at_site)
    signed_in(admin_user)
    client.post(reverse("portal:lock_user"), {"user": trainer_at_site.pk, "reason": "Phone seized"})
    answer = phone.get("/api/v1/sessions/mine/")
    assert answer.status_code in (401, 403) and answer["X-Portal-Wipe"] == "1"


def test_a_session_that_survived_a_lock_ends_at_its_next_request(trainer_at_site, mae_sot):
    phone = signed_in_browser(trainer_at_site)
    User.objects.filter(pk=trainer_at_site.pk).update(locked_at="2026-01-01T00:00Z")
    answer = phone.get(MY_SESSIONS)
    assert answer.status_code == 302 and answer["X-Portal-Wipe"] == "1"


def test_locking_a_user_keeps_the_others_and_needs_a_reason(
    client, signed_in, admin_user, trainer_at_site, case_worker_mae_sot
):
    signed_in(admin_user)
    client.post(reverse("portal:lock_user"), {"user": trainer_at_site.pk, "reason": ""})
    assert not User.objects.filter(locked_at__isnull=False).exists()
    client.post(reverse("portal:lock_user"), {"user": trainer_at_site.pk, "reason": "Phone seized"})
    assert list(User.objects.filter(locked_at__isnull=False)) == [trainer_at_site]
    page = client.get(reverse("portal:lockdown")).content.decode()
    assert trainer_at_site.get_short_name() in page
    client.post(reverse("portal:unlock_user", args=[trainer_at_site.pk]))
    assert not User.objects.filter(locked_at__isnull=False).exists()


def test_an_admin_cannot_lock_themselves(admin_user):
    with pytest.raises(Exception, match="yourself"):
        services.lock_user(by=admin_user, user=admin_user, reason="oops")
    admin_user.refresh_from_db()
    assert admin_user.locked_at is None


def test_unlocking_a_site_leaves_a_user_locked_on_their_own(
    admin_user, mae_sot, trainer_at_site, case_worker_mae_sot
):
    services.lock_user(by=admin_user, user=trainer_at_site, reason="Phone seized")
    services.lock_site(by=admin_user, location=mae_sot, reason="Raid")
    assert services.unlock_site(by=admin_user, location=mae_sot) == 1
    assert list(User.objects.filter(locked_at__isnull=False)) == [trainer_at_site]


def test_lock_site_with_no_reason_changes_nothing(client, signed_in, admin_user, mae_sot):
    response = lock_site_on_screen(client, signed_in, admin_user, mae_sot, reason="  ")
    assert response.status_code == 302
    mae_sot.refresh_from_db()
    assert (
        mae_sot.locked_at is None
        and not Session.objects.exclude(session_key=client.session.session_key).exists()
    )
