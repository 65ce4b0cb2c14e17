import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent, Invitation, Pledge, PledgeAcceptance, User
from portal.roles import Role
from tests.conftest import activate_totp, make_user, totp_code
from tests.factories import PASSWORD

LOGIN = "/accounts/login/"
NEW_PASSWORD = "a-fresh-and-long-passphrase-42"


def login(client, email, password=PASSWORD):
    return client.post(LOGIN, {"login": email, "password": password})


def reauthenticate(client, password=PASSWORD):
    response = client.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == 302, response.content


def invite(client, admin_user, mae_sot, email="new.worker@example.org", role=Role.CASE_WORKER):
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("portal:user_invite"),
        {"email": email, "full_name": "New Worker", "role": role, "sites": [mae_sot.pk]},
    )
    client.logout()
    return response


def invitation_link(message) -> str:
    return re.search(r"http://testserver(/invitation/[^/\s]+/)", message.body).group(1)


def test_admin_invites_a_user_who_sets_a_password_and_signs_in(
    client, admin_user, mae_sot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, admin_user, mae_sot)
    assert response.status_code == 302
    invited = User.objects.get(email="new.worker@example.org")
    assert invited.role == Role.CASE_WORKER
    assert not invited.is_active and not invited.has_usable_password()
    assert list(invited.site_assignments.values_list("location__code", flat=True)) == ["MAE-SOT"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.worker@example.org"]
    link = invitation_link(mail.outbox[0])

    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.is_active and invited.check_password(NEW_PASSWORD)
    # The link works once.
    assert client.get(link).status_code == 404

    response = login(client, "new.worker@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="invite", object_id=str(invited.pk)).count() == 1


def test_invitation_link_expires_after_72_hours(
    client, admin_user, mae_sot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, admin_user, mae_sot)
    link = invitation_link(mail.outbox[0])
    with time_machine.travel(timezone.now() + timedelta(hours=71)):
        assert client.get(link).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=73)):
        assert client.get(link).status_code == 404


def test_invitation_rejects_a_weak_password_and_changes_nothing(
    client, admin_user, mae_sot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, admin_user, mae_sot)
    response = client.post(
        invitation_link(mail.outbox[0]), {"password1": "short", "password2": "short"}
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.get(email="new.worker@example.org").is_active


def test_invitation_for_an_existing_address_is_a_form_error(
    client, admin_user, mae_sot, case_worker_mae_sot
):
    response = invite(client, admin_user, mae_sot, email=case_worker_mae_sot.email)
    assert response.status_code == 200
    assert "email" in response.context["form"].errors


def test_case_worker_invitation_needs_a_site(client, admin_user):
    client.force_login(admin_user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("portal:user_invite"),
        {"email": "x@example.org", "full_name": "X", "role": Role.CASE_WORKER},
    )
    assert response.status_code == 200
    assert "sites" in response.context["form"].errors
    assert not User.objects.filter(email="x@example.org").exists()


def test_there_is_no_public_sign_up(client, db):
    assert client.get("/accounts/signup/").status_code == 404
    client.post("/accounts/signup/", {"email": "me@example.org", "password1": NEW_PASSWORD})
    assert not User.objects.filter(email="me@example.org").exists()


def test_login_with_email_and_password(client, analyst):
    response = login(client, analyst.email)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_session_key_rotates_at_login(client, analyst):
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    login(client, analyst.email)
    assert client.session.session_key != before


def test_wrong_password_is_refused_and_audited(client, analyst):
    response = login(client, analyst.email, "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="login_failed").count() == 1


def test_sixth_failed_login_within_five_minutes_is_refused(client, analyst):
    for _ in range(5):
        assert login(client, analyst.email, "wrong-password").status_code == 200
    # Even the right password is refused now.
    response = login(client, analyst.email)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sixth_failed_admin_login_is_refused(client, admin_user):
    # The Django admin signs in through allauth's rate-limited form.
    response = client.get("/admin/login/")
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    for _ in range(5):
        login(client, admin_user.email, "wrong-password")
    response = login(client, admin_user.email)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(client, analyst):
    known = client.post("/accounts/password/reset/", {"email": analyst.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known.url == unknown.url


def test_login_error_is_the_same_for_known_and_unknown_addresses(client, analyst):
    known = login(client, analyst.email, "wrong-password")
    unknown = login(client, "nobody@example.org", "wrong-password")
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_logout_needs_a_post(client, analyst, signed_in):
    signed_in(analyst)
    client.get("/accounts/logout/")
    assert client.get(reverse("home")).status_code == 200
    client.post("/accounts/logout/")
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_session_is_dead_after_logout(client, analyst, signed_in):
    signed_in(analyst)
    old_cookie = client.cookies["sessionid"].value
    client.post("/accounts/logout/")
    client.cookies["sessionid"] = old_cookie
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CASE_WORKER])
def test_roles_with_person_data_must_set_up_mfa_first(client, role, mae_sot):
    user = make_user(role, [mae_sot], mfa=False)
    assert login(client, user.email).status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert client.get("/admin/").url == reverse("mfa_activate_totp")
    # allauth asks for the password again before a second factor is added.
    reauthenticate(client)
    assert client.get(reverse("mfa_activate_totp")).status_code == 200


@pytest.mark.parametrize("role", [Role.TRAINER, Role.ANALYST])
def test_trainers_and_analysts_may_work_without_mfa(client, role, mae_sot, signed_in):
    signed_in(make_user(role, [mae_sot], mfa=False))
    assert client.get(reverse("home")).status_code == 200


def test_login_with_totp_asks_for_the_code(client, case_worker_mae_sot):
    response = login(client, case_worker_mae_sot.email)
    assert response.status_code == 302 and response.url == reverse("mfa_authenticate")
    assert client.get(reverse("home")).status_code == 302  # not signed in yet
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(case_worker_mae_sot)})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_totp_secret_is_not_stored_in_clear_text(db):
    user = make_user(Role.ANALYST, mfa=False)
    secret = activate_totp(user)

    stored = Authenticator.objects.get(user=user).data["secret"]
    assert secret not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_mfa_activation_is_audited(client, db):
    user = make_user(Role.CASE_WORKER, mfa=False)
    login(client, user.email)
    reauthenticate(client)
    response = client.get(reverse("mfa_activate_totp"))
    secret = response.context["form"].secret

    response = client.post(reverse("mfa_activate_totp"), {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    # One row for the TOTP authenticator, one for the recovery codes created with it.
    changes = [
        e.changes["authenticator"]
        for e in AuditEvent.objects.filter(action="mfa_change", actor=user)
    ]
    assert sorted(change[1] for change in changes) == ["recovery_codes", "totp"]


def test_idle_session_ends_after_30_minutes(client, analyst, signed_in):
    signed_in(analyst)
    assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29)):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=29 + 31)):
        response = client.get(reverse("home"))
    assert response.status_code == 302 and "expired=1" in response.url
    assert "_auth_user_id" not in client.session


def test_session_ends_12_hours_after_sign_in_even_when_active(client, analyst, signed_in):
    signed_in(analyst)
    start = timezone.now()
    client.get(reverse("home"))
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + timedelta(hours=12, minutes=5)):
        assert client.get(reverse("home")).status_code == 302


def test_deactivated_user_loses_access_at_once(client, analyst, signed_in):
    signed_in(analyst)
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=analyst.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_admin_deactivates_a_user(client, admin_user, analyst, signed_in):
    signed_in(admin_user)
    response = client.post(
        reverse("portal:user_edit", args=[analyst.pk]),
        {"full_name": "Renamed", "role": Role.ANALYST, "is_active": "", "version": 1},
    )
    assert response.status_code == 302
    analyst.refresh_from_db()
    assert not analyst.is_active
    event = AuditEvent.objects.get(action="update", object_id=str(analyst.pk))
    assert event.changes["is_active"] == ["True", "False"]


def test_admin_cannot_demote_themselves(client, admin_user, signed_in):
    signed_in(admin_user)
    response = client.post(
        reverse("portal:user_edit", args=[admin_user.pk]),
        {"full_name": "Me", "role": Role.ANALYST, "is_active": "on", "version": 1},
    )
    assert response.status_code == 200
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN


def test_resend_invitation_revokes_the_old_link(
    client, admin_user, mae_sot, signed_in, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, admin_user, mae_sot)
    old_link = invitation_link(mail.outbox[0])
    invited = User.objects.get(email="new.worker@example.org")
    signed_in(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:user_resend_invitation", args=[invited.pk]))
    client.logout()
    assert client.get(old_link).status_code == 404
    assert client.get(invitation_link(mail.outbox[1])).status_code == 200
    assert Invitation.objects.filter(user=invited, revoked_at__isnull=True).count() == 1


def test_first_sign_in_requires_the_pledge(client, db, signed_in):
    user = make_user(Role.ANALYST, mfa=False)
    PledgeAcceptance.objects.filter(user=user).delete()
    signed_in(user)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("portal:pledge"))
    response = client.post(reverse("portal:pledge") + "?next=/", {})
    assert response.status_code == 200 and "agree" in response.context["form"].errors
    response = client.post(reverse("portal:pledge"), {"agree": "on", "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEvent.objects.filter(action="pledge_accepted", actor=user).count() == 1


def test_a_new_pledge_version_must_be_accepted_again(client, analyst, signed_in):
    signed_in(analyst)
    assert client.get(reverse("home")).status_code == 200
    Pledge.objects.create(version=2, text="New text")
    assert client.get(reverse("home")).status_code == 302
