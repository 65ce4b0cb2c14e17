"""Transfers as a request (issue 22): the sending site asks, the receiving site accepts or
declines, the sender may withdraw while the request is open. Used by the screens and the
API alike; each step runs in a transaction and writes its audit rows.

The person stays at the old site until the request is accepted; acceptance moves the person,
gives them the new case worker chosen by the receiving site, moves their open follow-ups to
that case worker and writes the `Transfer` history row (which the old site keeps, read-only).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from people.models import FollowUp, Person, Transfer, TransferRequest
from people.services import unicode_text
from portal import auditing
from portal.concurrency import StaleEditError
from portal.models import Location, SiteAssignment, User
from portal.roles import Role
from portal.scoping import active_site_ids
from portal.timezones import site_today

Status = TransferRequest.Status
REASON_MAX_CHARS = 300


def acts_for_site(user: User, location_id: int) -> bool:
    """Admins act for any site; a case worker for the sites they are assigned to today."""
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.CASE_WORKER and location_id in active_site_ids(user)


def may_decide(user: User, request: TransferRequest) -> bool:
    """Accepting or declining is the receiving site's (or an admin's)."""
    return request.is_open and acts_for_site(user, request.to_location_id)


def may_withdraw(user: User, request: TransferRequest) -> bool:
    """Withdrawing is the sending site's (or an admin's)."""
    return request.is_open and acts_for_site(user, request.from_location_id)


def case_workers_at(location: Location) -> QuerySet[User]:
    """Who may become the case worker of someone accepted at `location`: active case workers
    and admins assigned to it today, by name."""
    assigned = SiteAssignment.objects.filter(SiteAssignment.active_q(), location=location)
    return User.objects.filter(
        is_active=True,
        role__in=[Role.CASE_WORKER, Role.ADMIN],
        pk__in=assigned.values("user_id"),
    ).order_by("full_name", "email")


def _clean_reason(reason: str, field: str, message: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: message})
    if len(reason) > REASON_MAX_CHARS:
        raise ValidationError(
            {field: _("At most %(count)d characters.") % {"count": REASON_MAX_CHARS}}
        )
    return reason


def _audit(by: User, request: TransferRequest, changes: dict) -> None:
    auditing.record(
        auditing.Action.UPDATE if request.status != Status.REQUESTED else auditing.Action.CREATE,
        actor=by,
        obj=request,
        site_id=request.from_location_id,
        changes=changes,
    )


@transaction.atomic
def request_transfer(
    *, by: User, person: Person, to_location: Location, reason: str
) -> TransferRequest:
    """Ask `to_location` to take `person` on. Refused when the person is already there, has
    an open request, or `by` does not act for the person's site."""
    reason = _clean_reason(unicode_text(reason), "reason", _("Say why the person moves."))
    # The person's row lock serialises two requests for the same person.
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not acts_for_site(by, person.location_id):
        raise PermissionDenied(_("Only the person's site can ask for a transfer."))
    if to_location.pk == person.location_id:
        raise ValidationError({"to_location": _("The person is already at this site.")})
    if not to_location.active:
        raise ValidationError({"to_location": _("This site is closed.")})
    if person.transfer_requests.filter(status=Status.REQUESTED).exists():
        raise ValidationError(
            _("A transfer of this person is already waiting for an answer: withdraw it first.")
        )
    try:
        with transaction.atomic():
            request = TransferRequest.objects.create(
                person=person,
                from_location_id=person.location_id,
                to_location=to_location,
                reason=reason,
                requested_by=by,
            )
    except IntegrityError as error:  # the constraint, should a lock ever be missed
        raise ValidationError(
            _("A transfer of this person is already waiting for an answer: withdraw it first.")
        ) from error
    _audit(
        by,
        request,
        {
            "status": [None, Status.REQUESTED],
            "from": [None, person.location.code],
            "to": [None, to_location.code],
        },
    )
    return request


def _lock_open(request_pk: int, expected_version: int) -> TransferRequest:
    """The request, locked; refused with a clear message when it was decided (accepted,
    declined, withdrawn) since the caller read it: of two simultaneous answers one wins."""
    request = (
        TransferRequest.objects.select_for_update(of=("self",))
        .select_related("person", "from_location", "to_location", "decided_by")
        .get(pk=request_pk)
    )
    if not request.is_open:
        who = request.decided_by.get_short_name() if request.decided_by else ""
        raise ValidationError(
            _("This transfer was already %(status)s by %(who)s; nothing was changed.")
            % {"status": request.get_status_display().lower(), "who": who}
        )
    if request.version != expected_version:
        raise StaleEditError({})
    request.version = expected_version + 1
    return request


def _decide(request: TransferRequest, by: User, status: str) -> str:
    before = request.status
    request.status, request.decided_by, request.decided_at = status, by, timezone.now()
    return before


@transaction.atomic
def accept_transfer(
    *, by: User, request: TransferRequest, new_case_worker: User, expected_version: int
) -> TransferRequest:
    """The receiving site takes the person on: the person moves, `new_case_worker` becomes
    their case worker (the old one is no longer assigned) and their open follow-ups move to
    the new case worker."""
    request = _lock_open(request.pk, expected_version)
    if not acts_for_site(by, request.to_location_id):
        raise PermissionDenied(_("Only the receiving site can accept this transfer."))
    if not case_workers_at(request.to_location).filter(pk=new_case_worker.pk).exists():
        raise ValidationError({"new_case_worker": _("Choose a case worker of the receiving site.")})
    person = Person.objects.select_for_update().get(pk=request.person_id)
    if person.location_id != request.from_location_id:
        # Moved by other means since the request (e.g. an admin edit): nothing to accept.
        raise ValidationError(_("The person is no longer at the sending site; decline it."))
    before = _decide(request, by, Status.ACCEPTED)
    request.new_case_worker = new_case_worker
    request.transfer = Transfer.objects.create(
        person=person,
        from_location_id=request.from_location_id,
        to_location_id=request.to_location_id,
        transferred_on=site_today(request.to_location),
        transferred_by=by,
        reason=request.reason,
    )
    request.save(
        update_fields=[
            "status", "decided_by", "decided_at", "new_case_worker", "transfer", "version",
        ]
    )  # fmt: skip
    _audit(by, request, {"status": [before, request.status]})
    old_case_worker_id = person.case_worker_id
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=person,
        # The old site's row: the person is leaving it.
        site_id=request.from_location_id,
        changes={
            "location": [request.from_location.code, request.to_location.code],
            "case_worker": [old_case_worker_id, new_case_worker.pk],
        },
    )
    person.location_id = request.to_location_id
    person.case_worker = new_case_worker
    person.version += 1
    person.save(update_fields=["location", "case_worker", "version", "updated_at"])
    _move_open_follow_ups(by, person, new_case_worker)
    return request


def _move_open_follow_ups(by: User, person: Person, new_case_worker: User) -> None:
    open_follow_ups = FollowUp.objects.filter(person=person, done_at__isnull=True).filter(
        ~Q(assignee=new_case_worker)
    )
    rows = list(open_follow_ups.values_list("pk", "assignee_id"))
    if not rows:
        return
    # The version moves on: a follow-up form opened before the move is stale.
    open_follow_ups.update(assignee=new_case_worker, version=F("version") + 1)
    auditing.record_many(
        auditing.Action.UPDATE,
        actor=by,
        rows=[
            {
                "object_type": "people.followup",
                "object_id": pk,
                "person_id": person.pk,
                "site_id": person.location_id,
                "changes": {"assignee": [assignee_id, new_case_worker.pk]},
            }
            for pk, assignee_id in rows
        ],
    )


@transaction.atomic
def decline_transfer(
    *, by: User, request: TransferRequest, reason: str, expected_version: int
) -> TransferRequest:
    """The receiving site says no, with a reason; the person stays where they are."""
    reason = _clean_reason(
        unicode_text(reason), "decline_reason", _("Say why the transfer is declined.")
    )
    request = _lock_open(request.pk, expected_version)
    if not acts_for_site(by, request.to_location_id):
        raise PermissionDenied(_("Only the receiving site can decline this transfer."))
    before = _decide(request, by, Status.DECLINED)
    request.decline_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decline_reason", "version"])
    _audit(by, request, {"status": [before, request.status], "decline_reason": ["", "•••"]})
    return request


@transaction.atomic
def withdraw_transfer(
    *, by: User, request: TransferRequest, expected_version: int
) -> TransferRequest:
    """The sending site takes its request back before it is answered."""
    request = _lock_open(request.pk, expected_version)
    if not acts_for_site(by, request.from_location_id):
        raise PermissionDenied(_("Only the sending site can withdraw this transfer."))
    before = _decide(request, by, Status.WITHDRAWN)
    request.save(update_fields=["status", "decided_by", "decided_at", "version"])
    _audit(by, request, {"status": [before, request.status]})
    return request
