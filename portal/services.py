"""Writes for accounts, sites and the pledge. Each runs in a transaction and is audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import auditing, concurrency
from portal.models import Invitation, Location, Pledge, PledgeAcceptance, SiteAssignment, User
from portal.roles import Role

USER_AUDIT_FIELDS = ("email", "full_name", "role", "is_active")


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


LOCATION_FIELDS = ("code", "case_prefix", "name", "kind", "country", "active")


@transaction.atomic
def save_location(
    *,
    by: User,
    values: Mapping[str, Any],
    location: Location | None = None,
    expected_version: int | None = None,
) -> Location:
    """Add a site, or change one (with the version it was read at: `portal.concurrency`)."""
    if location is None:
        location, before = Location(), {}
    else:
        if expected_version is None:
            raise ValidationError(_("This change does not say which version it was made on."))
        location = concurrency.lock(
            Location, location.pk, expected_version=expected_version, submitted=values
        )
        before = auditing.snapshot(location, LOCATION_FIELDS)
    for field, value in values.items():
        setattr(location, field, value)
    location.full_clean()
    location.save()
    auditing.record(
        auditing.Action.UPDATE if before else auditing.Action.CREATE,
        actor=by,
        obj=location,
        changes=auditing.diff(before, auditing.snapshot(location, LOCATION_FIELDS)),
    )
    return location


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
