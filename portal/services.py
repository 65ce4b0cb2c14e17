"""Writes for accounts, sites and the pledge. Each runs in a transaction and is audited."""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from knox.models import AuthToken

from portal import auditing, concurrency
from portal.models import (
    Device,
    Invitation,
    Location,
    Pledge,
    PledgeAcceptance,
    SiteAssignment,
    User,
)
from portal.roles import Role
from portal.scoping import forget_active_site_ids

USER_AUDIT_FIELDS = ("email", "full_name", "role", "is_active")
LOCATION_FIELDS = ("code", "case_prefix", "name", "kind", "country", "time_zone", "active")

RecordT = TypeVar("RecordT", bound=models.Model)


def set_role(user: User, role: str) -> None:
    """Make `role` the user's only role (field, auth group and Django-admin access)."""
    user.role = role
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["role", "is_staff", "is_superuser"])
    user.groups.set([Group.objects.get_or_create(name=role)[0]])


def set_sites(user: User, sites: Iterable[Location], ends_on: date | None = None) -> None:
    """Assign exactly these sites; removed ones stop granting access on the next request."""
    sites = list(sites)
    user.site_assignments.exclude(location__in=sites).delete()
    for location in sites:
        SiteAssignment.objects.update_or_create(
            user=user, location=location, defaults={"ends_on": ends_on}
        )
    forget_active_site_ids(user)


@transaction.atomic
def invite_user(
    *,
    email: str,
    full_name: str,
    role: str,
    sites: Iterable[Location],
    invited_by: User,
    ends_on: date | None = None,
    base_url: str,
) -> Invitation:
    """Create an inactive account and e-mail a set-password link valid for 72 hours."""
    user = User.objects.create_user(
        email=email, password=None, full_name=full_name, is_active=False
    )
    set_role(user, role)
    set_sites(user, sites, ends_on)
    invitation, token = Invitation.issue(user, invited_by)
    auditing.record(
        auditing.Action.INVITE,
        actor=invited_by,
        obj=user,
        changes={"role": [None, role], "sites": [None, sorted(s.code for s in sites)]},
    )
    link = base_url + reverse("portal:accept_invitation", args=[token])
    transaction.on_commit(lambda: _send_invitation(user, link, invitation.expires_at))
    return invitation


def _send_invitation(user: User, link: str, expires_at) -> None:
    """The invitation in every language of the portal (English, then Burmese): nobody knows
    the language of someone who has not signed in yet, and the admin's is not theirs."""
    context = {"user": user, "link": link, "expires_at": expires_at}
    subjects, bodies = [], []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            subjects.append(render_to_string("portal/email/invitation_subject.txt", context))
            bodies.append(render_to_string("portal/email/invitation_body.txt", context).strip())
    send_mail(
        subject=" / ".join(dict.fromkeys(subject.strip() for subject in subjects)),
        message="\n\n-----\n\n".join(bodies) + "\n",
        from_email=None,
        recipient_list=[user.email],
    )


@transaction.atomic
def resend_invitation(user: User, invited_by: User, base_url: str) -> Invitation:
    """Revoke open invitations for the user and send a fresh link."""
    user.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    invitation, token = Invitation.issue(user, invited_by)
    auditing.record(auditing.Action.INVITE, actor=invited_by, obj=user)
    link = base_url + reverse("portal:accept_invitation", args=[token])
    transaction.on_commit(lambda: _send_invitation(user, link, invitation.expires_at))
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, password: str) -> User:
    user = invitation.user
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    auditing.record(
        auditing.Action.UPDATE, actor=user, obj=user, changes={"password": ["•••", "•••"]}
    )
    return user


@transaction.atomic
def update_user(
    user: User,
    *,
    changed_by: User,
    full_name: str,
    role: str,
    sites: Iterable[Location],
    ends_on: date | None,
    is_active: bool,
    expected_version: int,
) -> User:
    """Change a user's name, role, sites and active flag, unless another admin changed the
    user since `expected_version` was read (StaleEditError, sites included)."""
    sites = list(sites)
    try:
        user = concurrency.lock(
            User,
            user.pk,
            expected_version=expected_version,
            submitted={"full_name": full_name, "role": role, "is_active": is_active},
        )
    except concurrency.StaleEditError as stale:
        saved_sites = sorted(
            SiteAssignment.objects.filter(user_id=user.pk).values_list("location__code", flat=True)
        )
        mine = sorted(site.code for site in sites)
        if mine != saved_sites:
            stale.changes[_("Sites")] = [", ".join(mine) or "—", ", ".join(saved_sites) or "—"]
        raise
    before = auditing.snapshot(user, USER_AUDIT_FIELDS)
    before_sites = sorted(user.site_assignments.values_list("location__code", flat=True))
    user.full_name = full_name
    user.is_active = is_active
    user.save(update_fields=["full_name", "is_active", "version"])
    set_role(user, role)
    set_sites(user, sites, ends_on)
    changes = auditing.diff(before, auditing.snapshot(user, USER_AUDIT_FIELDS))
    after_sites = sorted(s.code for s in sites)
    if after_sites != before_sites:
        changes["sites"] = [before_sites, after_sites]
    if changes:
        auditing.record(auditing.Action.UPDATE, actor=changed_by, obj=user, changes=changes)
    return user


LOCATION_FIELDS = ("code", "case_prefix", "name", "kind", "country", "time_zone", "active")


PLEDGE_CACHE_KEY = "portal:current-pledge-version"


def current_pledge_version() -> int | None:
    """The newest pledge version (cached; a new version clears the cache on save)."""
    version = cache.get(PLEDGE_CACHE_KEY)
    if version is None:
        version = Pledge.objects.order_by("-version").values_list("version", flat=True).first() or 0
        cache.set(PLEDGE_CACHE_KEY, version, 3600)
    return version or None


def forget_pledge_version(**kwargs) -> None:
    cache.delete(PLEDGE_CACHE_KEY)


def has_accepted_current_pledge(user: User) -> bool:
    """True when there is no pledge yet or the user accepted its newest version (one query)."""
    accepted = (
        Pledge.objects.order_by("-version")
        .annotate(
            accepted=Exists(PledgeAcceptance.objects.filter(user=user, pledge=OuterRef("pk")))
        )
        .values_list("accepted", flat=True)
        .first()
    )
    return accepted is None or accepted


@transaction.atomic
def accept_pledge(user: User, pledge: Pledge) -> PledgeAcceptance:
    acceptance, created = PledgeAcceptance.objects.get_or_create(user=user, pledge=pledge)
    if created:
        auditing.record(
            auditing.Action.PLEDGE_ACCEPTED, actor=user, obj=pledge, object_id=pledge.version
        )
    return acceptance


# --- Lockdown (issue 20) ----------------------------------------------------------------------
# For a raid or a seized phone: one step ends every session and API token of the affected
# users, refuses their sign-in until an admin unlocks, and asks each of their devices to erase
# what the portal left on it at its next request (`DeviceWipeMiddleware`).

DEVICE_COOKIE = "portal_device"


def device_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def register_device(user: User, key: str | None) -> str | None:
    """At sign-in: remember the browser (its cookie's hash) for `user`. Answers a new key to
    set as the cookie, or None when the browser already has one."""
    new_key = None
    if not key:
        key = new_key = secrets.token_urlsafe(32)
    Device.objects.get_or_create(key_hash=device_key_hash(key), user=user)
    return new_key


def wipe_pending(key: str) -> bool:
    """Whether the browser with this device cookie is to erase the portal's data now (a user
    of it was locked); the first time is audited."""
    devices = Device.objects.filter(key_hash=device_key_hash(key), wipe_requested_at__isnull=False)
    pending = list(devices.select_related("user"))
    if not pending:
        return False
    with transaction.atomic():
        for device in pending:
            if device.wipe_signalled_at is None:
                device.wipe_signalled_at = timezone.now()
                device.save(update_fields=["wipe_signalled_at"])
                auditing.record(
                    auditing.Action.UPDATE,
                    obj=device.user,
                    changes={"device_erased": [None, device.pk]},
                )
    return True


def _signed_in_session_keys(user_ids: set[int]) -> list[str]:
    """Keys of the unexpired sessions of these users. Sessions do not index their user, so
    each live session is decoded: at most a few hundred, none older than 12 hours."""
    wanted = {str(pk) for pk in user_ids}
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) in wanted:
            keys.append(session.session_key)
    return keys


def _end_access(users: list[User], now) -> dict[str, int]:
    ids = {user.pk for user in users}
    sessions = Session.objects.filter(session_key__in=_signed_in_session_keys(ids)).delete()[0]
    tokens = AuthToken.objects.filter(user_id__in=ids).delete()[0]
    devices = Device.objects.filter(user_id__in=ids).update(
        wipe_requested_at=now, wipe_signalled_at=None
    )
    return {"sessions": sessions, "tokens": tokens, "devices": devices}


def _refuse_self(by: User, users: Iterable[User]) -> None:
    if any(user.pk == by.pk for user in users):
        raise ValidationError(_("You cannot lock yourself out."))


@transaction.atomic
def lock_user(*, by: User, user: User, reason: str) -> dict[str, int]:
    """Lock one user now (sessions, tokens, devices; sign-in refused). Audited."""
    reason = _lock_reason(reason)
    _refuse_self(by, [user])
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(locked_at=now, locked_site=None)
    ended = _end_access([user], now)
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=user,
        changes={"locked": [None, reason], **{f"ended_{k}": [None, v] for k, v in ended.items()}},
    )
    return ended


def users_of_site(location: Location) -> list[User]:
    """Who a site's lockdown locks: the case workers and trainers assigned to it today
    (admins reach every site and are locked one by one)."""
    return list(
        User.objects.filter(
            Exists(
                SiteAssignment.objects.filter(
                    SiteAssignment.active_q(), user=OuterRef("pk"), location=location
                )
            ),
            role__in=(Role.CASE_WORKER, Role.TRAINER),
        )
    )


@transaction.atomic
def lock_site(*, by: User, location: Location, reason: str) -> dict[str, int]:
    """Lock a site and every case worker and trainer assigned to it, in one step. Audited."""
    reason = _lock_reason(reason)
    now = timezone.now()
    Location.objects.filter(pk=location.pk).update(locked_at=now)
    users = users_of_site(location)
    User.objects.filter(pk__in=[u.pk for u in users], locked_at__isnull=True).update(
        locked_at=now, locked_site=location
    )
    ended = _end_access(users, now)
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=location,
        changes={
            "locked": [None, reason],
            "users_locked": [None, len(users)],
            **{f"ended_{k}": [None, v] for k, v in ended.items()},
        },
    )
    return {"users": len(users), **ended}


@transaction.atomic
def unlock_user(*, by: User, user: User) -> None:
    User.objects.filter(pk=user.pk).update(locked_at=None, locked_site=None)
    Device.objects.filter(user=user).update(wipe_requested_at=None)
    auditing.record(auditing.Action.UPDATE, actor=by, obj=user, changes={"locked": [True, None]})


@transaction.atomic
def unlock_site(*, by: User, location: Location) -> int:
    """Unlock a site and the users its lockdown locked (a user locked on their own, or by
    another locked site, stays locked)."""
    Location.objects.filter(pk=location.pk).update(locked_at=None)
    unlocked = list(User.objects.filter(locked_site=location).values_list("pk", flat=True))
    still_locked = SiteAssignment.objects.filter(
        SiteAssignment.active_q(), user=OuterRef("pk"), location__locked_at__isnull=False
    )
    User.objects.filter(pk__in=unlocked).exclude(Exists(still_locked)).update(
        locked_at=None, locked_site=None
    )
    freed = set(
        User.objects.filter(pk__in=unlocked, locked_at__isnull=True).values_list("pk", flat=True)
    )
    Device.objects.filter(user_id__in=freed).update(wipe_requested_at=None)
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=location,
        changes={"locked": [True, None], "users_unlocked": [None, len(freed)]},
    )
    return len(freed)


def _lock_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why (it is kept in the audit log).")})
    return reason[:300]


# --- Reference data (sites, and the programmes' courses, assistance types and homes) ----------


@transaction.atomic
def save_record(
    *,
    by: User,
    model: type[RecordT],
    values: Mapping[str, Any],
    audit_fields: Sequence[str],
    record: RecordT | None = None,
    check: Callable[[RecordT, RecordT | None], None] | None = None,
    expected_version: int | None = None,
) -> RecordT:
    """Create or change one row of reference data: the values applied, `check(new, before)`
    (a rule across rows; raises ValidationError), the model's own validation, the save and
    one audit row with what changed. An edit reads the row again under a lock, so that the
    audit row's "before" is what was saved and two edits cannot interleave."""
    creating = record is None
    if creating:
        obj = model()
    elif expected_version is not None:
        # The version the form or client read (`portal.concurrency`): a stale one is refused
        # with what differs, and the version moves on.
        obj = concurrency.lock(
            model, record.pk, expected_version=expected_version, submitted=values
        )
    else:
        obj = model._default_manager.select_for_update().get(pk=record.pk)
        if hasattr(obj, "version"):
            obj.version += 1  # every change moves the version on: forms opened before refuse
    previous = None if creating else copy.copy(obj)
    before = {} if creating else auditing.snapshot(obj, audit_fields)
    for field, value in values.items():
        setattr(obj, field, value)
    if check is not None:
        check(obj, previous)
    obj.full_clean()
    obj.save()
    changes = auditing.diff(before, auditing.snapshot(obj, audit_fields))
    if creating or changes:
        auditing.record(
            auditing.Action.CREATE if creating else auditing.Action.UPDATE,
            actor=by,
            obj=obj,
            changes=changes,
        )
    return obj


def save_location(
    *,
    by: User,
    values: Mapping[str, Any],
    location: Location | None = None,
    expected_version: int | None = None,
) -> Location:
    """Add or change a site (a change with the version it was read at, `portal.concurrency`).
    Sites are deactivated, never deleted (records refer to them)."""
    values = dict(values)
    if "code" in values:
        # Stored upper-case: compare upper-case, so that "mae-la" is refused beside "MAE-LA"
        # with a form error instead of failing on the unique index.
        values["code"] = (values["code"] or "").upper()
    return save_record(
        by=by,
        model=Location,
        values=values,
        audit_fields=LOCATION_FIELDS,
        record=location,
        check=_check_location,
        expected_version=expected_version,
    )


def _check_location(location: Location, before: Location | None) -> None:
    if before is not None and location.case_prefix != before.case_prefix:
        # Case numbers already issued carry the old prefix; a new one would start a second
        # sequence and could repeat numbers.
        if location.people.exists():
            raise ValidationError(
                {"case_prefix": _("People are registered at this site: its prefix stays.")}
            )


@transaction.atomic
def publish_pledge(*, by: User, text: str) -> Pledge:
    """A new pledge version, which everyone accepts again before reaching records."""
    if not (text or "").strip():
        raise ValidationError({"text": _("The pledge needs a text.")})
    latest = Pledge.objects.select_for_update().order_by("-version").first()
    pledge = Pledge.objects.create(version=(latest.version + 1) if latest else 1, text=text)
    auditing.record(
        auditing.Action.CREATE, actor=by, obj=pledge, changes={"version": [None, pledge.version]}
    )
    return pledge


@transaction.atomic
def save_configuration(*, by: User, obj: models.Model, fields: Sequence[str]) -> models.Model:
    """Save a configuration row another library defines (the periodic tasks and schedules of
    Celery beat) as the admin's form prepared it, with an audit row of what changed. The
    library's own form and model validate it."""
    before = {}
    if obj.pk is not None:
        saved = type(obj)._default_manager.filter(pk=obj.pk).first()
        before = auditing.snapshot(saved, fields) if saved is not None else {}
    creating = not before
    obj.save()
    auditing.record(
        auditing.Action.CREATE if creating else auditing.Action.UPDATE,
        actor=by,
        obj=obj,
        changes=auditing.diff(before, auditing.snapshot(obj, fields)),
    )
    return obj


@transaction.atomic
def delete_configuration(*, by: User, obj: models.Model) -> None:
    object_type, object_id = obj._meta.label_lower, obj.pk
    obj.delete()
    auditing.record(auditing.Action.DELETE, actor=by, object_type=object_type, object_id=object_id)


@transaction.atomic
def revoke_token(*, by: User, token: AuthToken, key: str) -> None:
    """End an API token now (its owner on the tokens page, or an admin)."""
    token.delete()
    auditing.record(
        auditing.Action.DELETE,
        actor=by,
        object_type=AuthToken._meta.label_lower,
        object_id=key,
        changes={"user": [token.user_id, None]} if token.user_id != by.pk else None,
    )


@transaction.atomic
def remove_second_factor(*, by: User, authenticator: Authenticator) -> None:
    """An admin removes someone's authenticator (a lost phone): they set up a new one at
    their next sign-in. The model's signal records the change on the user; this row records
    who did it."""
    owner = authenticator.user
    kind = authenticator.type
    authenticator.delete()
    auditing.record(
        auditing.Action.MFA_CHANGE,
        actor=by,
        obj=owner,
        changes={"authenticator": [kind, None], "removed_by_admin": [None, by.pk]},
    )
