"""Writes for training: sessions, enrolment, attendance and livelihood outcomes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from people import burmese
from people.models import Person
from portal import auditing, concurrency
from portal.models import Location, SiteAssignment, User
from portal.roles import Role
from portal.scoping import ReadOnlyRecord, only_writable, writable_flag
from portal.timezones import site_today
from programs.models import (
    Attendance,
    AttendanceChange,
    Enrolment,
    LivelihoodOutcome,
    TrainingSession,
)
from programs.services.common import is_usable

SESSION_FIELDS = ("course", "date", "start_time", "end_time", "location", "trainer", "capacity",
                  "status")  # fmt: skip
OUTCOME_FIELDS = ("enrolment", "recorded_on", "outcome", "business_kind", "income_band", "notes")


def trainer_works_at(trainer: User, location: Location) -> bool:
    return (
        trainer.role == Role.TRAINER
        and trainer.is_active
        and SiteAssignment.objects.filter(user=trainer, location=location)
        .filter(SiteAssignment.active_q())
        .exists()
    )


@transaction.atomic
def save_session(
    *,
    by: User,
    values: Mapping[str, Any],
    session: TrainingSession | None = None,
    expected_version: int | None = None,
) -> TrainingSession:
    """Plan a session, or change one (`session` and the `expected_version` it was read at:
    refused with StaleEditError when someone saved it since)."""
    creating = session is None
    if creating:
        session = TrainingSession(created_by=by)
    else:
        if expected_version is None:
            raise ValidationError(_("This change does not say which version it was made on."))
        # Compare with what is saved, not with an instance a form may have changed already.
        session = concurrency.lock(
            TrainingSession, session.pk, expected_version=expected_version, submitted=values
        )
    before = {} if creating else auditing.snapshot(session, SESSION_FIELDS)
    for field, value in values.items():
        setattr(session, field, value)
    if not trainer_works_at(session.trainer, session.location):
        raise ValidationError({"trainer": _("This trainer does not work at the chosen site.")})
    if not creating and "capacity" in values:
        taken = session.places_taken()
        if session.capacity < taken:
            raise ValidationError(
                {
                    "capacity": _(
                        "%(taken)s people are already enrolled; the session needs at least as "
                        "many places."
                    )
                    % {"taken": taken}
                }
            )
    session.full_clean()
    session.save()
    auditing.record(
        auditing.Action.CREATE if creating else auditing.Action.UPDATE,
        actor=by,
        obj=session,
        site_id=session.location_id,
        changes=auditing.diff(before, auditing.snapshot(session, SESSION_FIELDS)),
    )
    return session


def free_places(session: TrainingSession) -> int:
    taken = session.places_taken()
    return max(session.capacity - taken, 0)


@transaction.atomic
def enrol(*, by: User, session: TrainingSession, people: Sequence[Person]) -> list[Enrolment]:
    """Give each person a place in the session, or none of them if there are too few places.
    People who dropped out earlier are enrolled again."""
    if not people:
        raise ValidationError(_("Choose at least one person."))
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.status == TrainingSession.Status.CANCELLED:
        raise ValidationError(_("This session was cancelled; nobody can enrol."))
    for person in people:
        if person.location_id != session.location_id:
            raise ValidationError(
                _("%(case)s is registered at another site than this session.")
                % {"case": person.case_number}
            )
        if not is_usable(person):
            raise ValidationError(
                _("%(case)s is closed or merged and cannot enrol.") % {"case": person.case_number}
            )
    existing = {e.person_id: e for e in session.enrolments.filter(person__in=people)}
    already = [
        p
        for p in people
        if p.pk in existing and existing[p.pk].status != Enrolment.Status.DROPPED_OUT
    ]
    if already:
        raise ValidationError(
            _("Already enrolled: %(cases)s.") % {"cases": ", ".join(p.case_number for p in already)}
        )
    places = free_places(session)
    if len(people) > places:
        raise ValidationError(
            ngettext(
                "This session is full for that many: %(places)d place is left and you chose "
                "%(chosen)d people.",
                "This session is full for that many: %(places)d places are left and you chose "
                "%(chosen)d people.",
                places,
            )
            % {"places": places, "chosen": len(people)}
        )
    enrolments = []
    for person in people:
        enrolment = existing.get(person.pk)
        if enrolment is None:
            enrolment = Enrolment.objects.create(session=session, person=person, enrolled_by=by)
        else:
            enrolment.status, enrolment.completed_on = Enrolment.Status.ENROLLED, None
            enrolment.enrolled_by, enrolment.enrolled_at = by, timezone.now()
            enrolment.save(update_fields=["status", "completed_on", "enrolled_by", "enrolled_at"])
        enrolment.session = session
        enrolments.append(enrolment)
    auditing.record_many(
        auditing.Action.CREATE,
        actor=by,
        rows=[
            {
                "object_type": "programs.enrolment",
                "object_id": e.pk,
                "person_id": e.person_id,
                "site_id": session.location_id,
                "changes": {"session": [None, session.pk], "status": [None, e.status]},
            }
            for e in enrolments
        ],
    )
    return enrolments


@transaction.atomic
def set_enrolment_status(
    *, by: User, enrolment: Enrolment, status: str, expected_version: int
) -> Enrolment:
    """Mark completion or drop-out (or undo either); a return from drop-out needs a place."""
    # Only the person's current site may change it (`portal.scoping`): a site they left keeps
    # the enrolment as read-only history.
    try:
        enrolment = concurrency.lock(
            only_writable(by, Enrolment.objects.select_related("session")),
            enrolment.pk,
            expected_version=expected_version,
            submitted={"status": status},
        )
    except Enrolment.DoesNotExist:
        raise ReadOnlyRecord() from None
    if status not in Enrolment.Status.values:
        raise ValidationError(_("Unknown enrolment status."))
    before = auditing.snapshot(enrolment, ("status", "completed_on"))
    if (
        enrolment.status == Enrolment.Status.DROPPED_OUT
        and status in Enrolment.TAKES_A_PLACE
        and free_places(enrolment.session) < 1
    ):
        raise ValidationError(_("This session is full; there is no place to return to."))
    enrolment.status = status
    enrolment.completed_on = (
        (enrolment.completed_on or site_today(enrolment.session.location))
        if status == Enrolment.Status.COMPLETED
        else None
    )
    enrolment.save(update_fields=["status", "completed_on", "version"])
    changes = auditing.diff(before, auditing.snapshot(enrolment, ("status", "completed_on")))
    auditing.record(auditing.Action.UPDATE, actor=by, obj=enrolment, changes=changes)
    return enrolment


# --- Attendance -------------------------------------------------------------------------------


# How far ahead of the server's clock a phone's `marked_at` may be (clocks drift).
MARKED_AT_TOLERANCE = timedelta(minutes=5)


@dataclass
class RosterSaved:
    changed: int
    unchanged: int
    # Set when the caller gave the time of marking (saves sent from a phone): when the marks
    # were made and when they reached the server.
    marked_at: datetime | None = None
    received_at: datetime | None = None


@transaction.atomic
def save_attendance(
    *,
    by: User,
    session: TrainingSession,
    marks: Mapping[int, str],
    marked_at: datetime | None = None,
) -> RosterSaved:
    """Save the whole roster at once: `marks` maps person ids to a status.

    `marked_at`: when the trainer marked the roster, if earlier than now (a save made on a
    phone without a connection and sent later). It becomes the attendance rows' `marked_at`,
    and each audit row then records both `marked_at` and `received_at` (now). The correction
    window is judged by the time the save arrives.

    A fixed number of queries whatever the size of the roster: one read (locking), one
    upsert, one insert of history rows, one insert of audit rows and, the first time, one
    update of the session's status. Saving the same marks again changes nothing.
    """
    if not session.attendance_open_for(by):
        raise PermissionDenied(
            _("Attendance for this session can no longer be changed. Ask an admin to correct it.")
        )
    if any(status not in Attendance.Status.values for status in marks.values()):
        raise ValidationError(_("Unknown attendance status."))
    now = timezone.now()
    if marked_at is not None and marked_at > now + MARKED_AT_TOLERANCE:
        raise ValidationError({"marked_at": _("The time of marking is in the future.")})
    # Query 1: the participants who hold a place, with what is recorded for them now. Their
    # rows stay locked until the end, so two saves of one roster cannot interleave and each
    # history row's "before" is what the other save left.
    rows = (
        Enrolment.objects.select_for_update(of=("self",))
        .filter(session=session)
        .holding_places()
        .with_attendance_status()
        .annotate(writable=writable_flag(by, Enrolment))
        .order_by()
        .values_list("person_id", "attendance_status", "writable")
    )
    current, moved = {}, set()
    for person_id, recorded, writable in rows:
        current[person_id] = recorded
        if not writable:
            moved.add(person_id)
    strangers = set(marks) - set(current)
    if strangers:
        raise ValidationError(_("Some people on this roster are not enrolled in the session."))
    if moved & set(marks):
        # Someone transferred to a site that is not the marker's: the session's record of
        # them is read-only history here (`portal.scoping`).
        raise ValidationError(
            _(
                "Some people on this roster have moved to another site: their attendance "
                "here can no longer be changed. Reload the roster."
            )
        )
    times = {}
    if marked_at is not None:
        # In UTC, as the audit log's own times.
        times = {
            "marked_at": [None, marked_at.astimezone(UTC).isoformat()],
            "received_at": [None, now.astimezone(UTC).isoformat()],
        }
    changed = {pk: status for pk, status in marks.items() if current[pk] != status}
    if changed:
        # Query 2: insert new rows and update changed ones in one statement.
        saved = Attendance.objects.bulk_create(
            [
                Attendance(
                    session=session,
                    person_id=pk,
                    status=status,
                    marked_by=by,
                    marked_at=marked_at or now,
                )
                for pk, status in changed.items()
            ],
            update_conflicts=True,
            unique_fields=["session", "person"],
            update_fields=["status", "marked_by", "marked_at"],
        )
        attendance_ids = {row.person_id: row.pk for row in saved}
        # Query 3: the history, old → new, one row per change.
        AttendanceChange.objects.bulk_create(
            [
                AttendanceChange(
                    session=session,
                    person_id=pk,
                    old_status=current[pk] or "",
                    new_status=status,
                    changed_by=by,
                    changed_at=now,
                )
                for pk, status in changed.items()
            ]
        )
        # Query 4: one audit row per person whose attendance changed.
        auditing.record_many(
            auditing.Action.UPDATE,
            actor=by,
            rows=[
                {
                    "object_type": "programs.attendance",
                    "object_id": attendance_ids[pk],
                    "person_id": pk,
                    "site_id": session.location_id,
                    "changes": {"status": [current[pk], status], **times},
                }
                for pk, status in changed.items()
            ],
        )
        if session.status == TrainingSession.Status.PLANNED:
            # Query 5, the first time only: a session with attendance has been held.
            TrainingSession.objects.filter(pk=session.pk).update(status=TrainingSession.Status.HELD)
            session.status = TrainingSession.Status.HELD
    return RosterSaved(
        changed=len(changed),
        unchanged=len(marks) - len(changed),
        marked_at=marked_at,
        received_at=now if marked_at is not None else None,
    )


# --- Livelihood outcomes ----------------------------------------------------------------------


@transaction.atomic
def record_outcome(*, by: User, person: Person, values: Mapping[str, Any]) -> LivelihoodOutcome:
    outcome = LivelihoodOutcome(person=person, recorded_by=by)
    values = dict(values)
    burmese.to_unicode_values(values, ("business_kind", "notes"))
    for field, value in values.items():
        setattr(outcome, field, value)
    if outcome.outcome != LivelihoodOutcome.Outcome.SMALL_BUSINESS:
        outcome.business_kind = ""
    outcome.full_clean()
    outcome.save()
    auditing.record(
        auditing.Action.CREATE,
        actor=by,
        obj=outcome,
        changes=auditing.diff(
            {}, auditing.snapshot(outcome, OUTCOME_FIELDS), {"notes", "business_kind"}
        ),
    )
    return outcome
