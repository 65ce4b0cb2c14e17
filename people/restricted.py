"""Services of restricted records (issue 20): mark and unmark, open with a reason
(break-the-glass), review the openings. Reads are in `people.selectors`; the rule of who
sees a restricted record in full is `portal.scoping.full_access_q`."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from people.choices import AccessReview, RestrictionReason
from people.models import Person, RestrictedAccess
from portal import auditing
from portal.models import User
from portal.roles import Role

REASON_MAX_CHARS = 500


def may_change_restriction(user: User, person: Person) -> bool:
    """Admins and the person's case worker mark or unmark a record restricted."""
    return user.role == Role.ADMIN or (
        user.role == Role.CASE_WORKER and person.case_worker_id == user.pk
    )


@transaction.atomic
def set_restriction(*, by: User, person: Person, restricted: bool, reason: str = "") -> Person:
    """Mark a person restricted (with one of `RestrictionReason`) or lift the restriction."""
    if not may_change_restriction(by, person):
        raise PermissionDenied(_("Only an admin or the person's case worker can do this."))
    if restricted and reason not in RestrictionReason.values:
        raise ValidationError({"reason": _("Choose why the record is restricted.")})
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = [person.restricted, person.restriction_reason]
    person.restricted = restricted
    person.restriction_reason = reason if restricted else ""
    person.restricted_at = timezone.now() if restricted else None
    person.restricted_by = by if restricted else None
    person.save(
        update_fields=["restricted", "restriction_reason", "restricted_at", "restricted_by"]
    )
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=person,
        changes={"restricted": [before, [person.restricted, person.restriction_reason]]},
    )
    return person


@transaction.atomic
def open_restricted(*, by: User, person: Person, reason: str) -> RestrictedAccess:
    """Break the glass: `by` sees the restricted record for `RESTRICTED_ACCESS_HOURS`. The
    caller has checked that the record is at one of their sites
    (`selectors.restricted_person_for`). Audited with the reason; admins are told by e-mail
    (without anything about the person) and on their home page."""
    reason = (reason or "").strip()
    if by.role != Role.CASE_WORKER:
        raise PermissionDenied(_("Only case workers open restricted records with a reason."))
    if len(reason) < 10:
        raise ValidationError({"reason": _("Say in a sentence why you need this record.")})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            {"reason": _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_CHARS}}
        )
    now = timezone.now()
    access = RestrictedAccess.objects.create(
        person=person,
        user=by,
        reason=reason,
        opened_at=now,
        expires_at=now + timedelta(hours=settings.RESTRICTED_ACCESS_HOURS),
    )
    auditing.record(
        auditing.Action.CREATE,
        actor=by,
        obj=access,
        changes={"reason": [None, reason], "expires_at": [None, access.expires_at.isoformat()]},
    )
    transaction.on_commit(_tell_admins)
    return access


def _tell_admins() -> None:
    """E-mail the admins that an opening waits for review: nothing about the person or the
    reason (e-mail leaves the portal), only where to look."""
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return
    link = settings.PORTAL_BASE_URL + reverse("people:access_reviews")
    send_mail(
        _("A restricted record was opened"),
        _(
            "A case worker opened a restricted record with a reason. "
            "Review the opening in the portal: %(link)s"
        )
        % {"link": link},
        None,
        recipients,
    )


@transaction.atomic
def review_access(
    *, by: User, access: RestrictedAccess, verdict: str, note: str = ""
) -> RestrictedAccess:
    """An admin accepts or questions an opening (a questioned one needs a note)."""
    if by.role != Role.ADMIN:
        raise PermissionDenied(_("Only admins review openings of restricted records."))
    if verdict not in (AccessReview.ACCEPTED, AccessReview.QUESTIONED):
        raise ValidationError({"verdict": _("Accept or question the opening.")})
    note = (note or "").strip()
    if verdict == AccessReview.QUESTIONED and not note:
        raise ValidationError({"note": _("Say what you question.")})
    access = RestrictedAccess.objects.select_for_update().select_related("person").get(pk=access.pk)
    before = access.review
    access.review, access.review_note = verdict, note
    access.reviewed_by, access.reviewed_at = by, timezone.now()
    access.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=access,
        changes={"review": [before, verdict], "review_note": [None, note]},
    )
    return access
