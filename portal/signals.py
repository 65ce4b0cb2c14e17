"""Audit rows for sign-in events and second-factor changes, and the core's own signals."""

from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from portal import auditing, offline_key
from portal.models import Pledge
from portal.services import DEVICE_COOKIE, forget_pledge_version, register_device

# Sent once a day by `portal.tasks.clear_expired_sessions_and_invitations` with `now`; each
# receiver cleans up what its app leaves behind and returns a dict of counts for the result.
# (The core knows no domain app: the apps connect their own clean-up.)
daily_housekeeping = Signal()


def _logged_in(sender, request, user, **kwargs) -> None:
    # A fresh session starts the absolute timeout.
    if request is not None and hasattr(request, "session"):
        request.session.pop("signed_in_at", None)
        request.session.pop("last_seen_at", None)
    if request is not None and hasattr(request, "COOKIES"):
        # The browser is remembered, so that a lockdown can reach it later (middleware).
        request.new_device_key = register_device(user, request.COOKIES.get(DEVICE_COOKIE))
    changes = None
    if request is not None and hasattr(request, "session"):
        # A new key for the phone's offline data at each sign-in (OfflineKeyMiddleware).
        offline_key.start(request, user.pk)
        if getattr(request, "offline_key_previous", None):
            # The previous sign-in's key goes back to the phone: said in the audit row.
            changes = {"offline_key": ["previous sign-in", "handed over"]}
    auditing.record(auditing.Action.LOGIN, actor=user, obj=user, changes=changes)


def _logged_out(sender, request, user, **kwargs) -> None:
    if request is not None:
        offline_key.end(request)
    if user is not None:
        auditing.record(auditing.Action.LOGOUT, actor=user, obj=user)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The attempted address is not recorded: it may be a person's, and it is not needed to
    # see an attack (source IP and time are).
    auditing.record(auditing.Action.LOGIN_FAILED)


# Second-factor changes are recorded from the model's own signals, inside the transaction
# that adds or removes the authenticator (allauth's signals fire only after commit).
def _authenticator_saved(sender, instance, created, **kwargs) -> None:
    if created:
        _record_mfa_change(instance, [None, instance.type])


def _authenticator_deleted(sender, instance, **kwargs) -> None:
    _record_mfa_change(instance, [instance.type, None])


def _record_mfa_change(authenticator, change) -> None:
    user = authenticator.user
    auditing.record(
        auditing.Action.MFA_CHANGE, actor=user, obj=user, changes={"authenticator": change}
    )


def _recovery_codes_reset(sender, request, user, authenticator=None, **kwargs) -> None:
    # Regenerating recovery codes updates the row in place; allauth reports it after commit.
    auditing.record(
        auditing.Action.MFA_CHANGE,
        actor=user,
        obj=user,
        changes={"authenticator": ["recovery_codes", "recovery_codes (regenerated)"]},
    )


def connect() -> None:
    post_save.connect(forget_pledge_version, sender=Pledge, dispatch_uid="forget_pledge_version")
    auth_signals.user_logged_in.connect(_logged_in, dispatch_uid="audit_login")
    auth_signals.user_logged_out.connect(_logged_out, dispatch_uid="audit_logout")
    auth_signals.user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
    post_save.connect(_authenticator_saved, sender=Authenticator, dispatch_uid="audit_mfa_add")
    post_delete.connect(_authenticator_deleted, sender=Authenticator, dispatch_uid="audit_mfa_del")
    mfa_signals.authenticator_reset.connect(_recovery_codes_reset, dispatch_uid="audit_mfa_reset")
