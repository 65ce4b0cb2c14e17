"""Writes for accounts, sites and the pledge. Each runs in a transaction and is audited."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from portal import auditing
from portal.models import Invitation, Location, Pledge, PledgeAcceptance, SiteAssignment, User
from portal.roles import Role

USER_AUDIT_FIELDS = ("email", "full_name", "role", "is_active")
LOCATION_FIELDS = ("code", "case_prefix", "name", "kind", "country", "active")

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
    context = {"user": user, "link": link, "expires_at": expires_at}
    send_mail(
        subject=render_to_string("portal/email/invitation_subject.txt", context).strip(),
        message=render_to_string("portal/email/invitation_body.txt", context),
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
) -> User:
    before = auditing.snapshot(user, USER_AUDIT_FIELDS)
    before_sites = sorted(user.site_assignments.values_list("location__code", flat=True))
    user.full_name = full_name
    user.is_active = is_active
    user.save(update_fields=["full_name", "is_active"])
    set_role(user, role)
    set_sites(user, sites, ends_on)
    changes = auditing.diff(before, auditing.snapshot(user, USER_AUDIT_FIELDS))
    after_sites = sorted(s.code for s in sites)
    if after_sites != before_sites:
        changes["sites"] = [before_sites, after_sites]
    if changes:
        auditing.record(auditing.Action.UPDATE, actor=changed_by, obj=user, changes=changes)
    return user


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
) -> RecordT:
    """Create or change one row of reference data: the values applied, `check(new, before)`
    (a rule across rows; raises ValidationError), the model's own validation, the save and
    one audit row with what changed. An edit reads the row again under a lock, so that the
    audit row's "before" is what was saved and two edits cannot interleave."""
    creating = record is None
    obj = model() if creating else model._default_manager.select_for_update().get(pk=record.pk)
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
    *, by: User, values: Mapping[str, Any], location: Location | None = None
) -> Location:
    """Add or change a site. Sites are deactivated, never deleted (records refer to them)."""
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
