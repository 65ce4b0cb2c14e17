"""Writes for people and cases. Each runs in a transaction and writes its audit rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from people import burmese, retention, workflow
from people.choices import ClosingReason, Status, SuspicionStatus
from people.keys import apply_derived_fields, normalise_phone
from people.models import (
    CaseNote,
    CaseNumberSequence,
    DistinctPeople,
    DuplicateSuspicion,
    Exit,
    Feedback,
    Flag,
    FollowUp,
    Partner,
    Person,
    Referral,
    RetentionHold,
    StatusChange,
)
from people.signals import before_merge, people_changed
from portal import auditing, concurrency
from portal.models import Location, User
from portal.roles import Role
from portal.timezones import site_localtime, site_today

PERSON_FIELDS = (
    "full_name", "preferred_name", "name_my", "reference", "sex", "birth_year",
    "birth_year_estimated", "origin_region", "location", "status", "case_worker", "phone",
    "dependants", "vulnerabilities", "consent_date", "consent_storing", "consent_sharing",
    "consent_photos", "consent_withdrawn_on", "consent_notes",
)  # fmt: skip
EXIT_FIELDS = (
    "exit_type", "affiliation", "exit_date", "place_township", "place_region", "receiving_group",
    "recruit_status", "forcibly_conscripted", "years_of_service", "rank", "unit", "reasons",
    "custody_status", "verification",
)  # fmt: skip
# Values never copied into the audit log (it says that they changed): names and every
# encrypted free text.
SENSITIVE_FIELDS = {
    "phone", "unit", "consent_notes", "text", "response", "full_name", "name_my",
    "place_township", "rank", "outcome_note",
}  # fmt: skip


# Free texts of an exit, converted from Zawgyi like every typed text.
EXIT_TEXT_FIELDS = ("place_township", "receiving_group", "rank", "unit")


def unicode_text(text: str) -> str:
    """Typed text as it is stored: Unicode, converted from Zawgyi when typed in it (the forms
    and the API have done it already and told the user; the admin, commands and tasks have
    not)."""
    return burmese.to_unicode(text)[0] if text else text


@dataclass
class Outcome:
    """A saved object and messages for the user (e.g. Burmese text that was converted)."""

    obj: Any
    notices: list[str]


def prepare_names(values: dict[str, Any]) -> list[str]:
    """Convert Zawgyi to Unicode in the names (and the consent details) in place; return
    notices for the user."""
    notices = []
    for field in ("full_name", "preferred_name", "name_my", "consent_notes"):
        if values.get(field):
            values[field], converted = burmese.to_unicode(values[field])
            if converted:
                notices.append(
                    _("%(field)s was typed in Zawgyi and has been converted to Unicode.")
                    % {"field": Person._meta.get_field(field).verbose_name.capitalize()}
                )
    return notices


def reserve_case_numbers(location: Location, year: int, count: int = 1) -> list[str]:
    """Claim `count` consecutive case numbers for a site and year (safe across processes)."""
    short_year = year % 100
    sequence, _ = CaseNumberSequence.objects.get_or_create(
        prefix=location.case_prefix, year=short_year
    )
    sequence = CaseNumberSequence.objects.select_for_update().get(pk=sequence.pk)
    first = sequence.last + 1
    sequence.last = F("last") + count
    sequence.save(update_fields=["last"])
    return [f"{location.case_prefix}-{short_year:02d}-{n:05d}" for n in range(first, first + count)]


@transaction.atomic
def create_person(
    *, by: User, person_data: Mapping[str, Any], exit_data: Mapping[str, Any] | None = None
) -> Outcome:
    """Register a person; a case starts as intake or active (`people.workflow`)."""
    values = dict(person_data)
    if values.get("status", Status.INTAKE) not in workflow.STARTING_STATES:
        raise ValidationError({"status": _starting_states_message()})
    notices = prepare_names(values)
    person = Person(**values, created_by=by)
    # The year of the case number is the site's (a New Year's Eve registration at Mae Sot).
    person.case_number = reserve_case_numbers(person.location, site_today(person.location).year)[0]
    apply_derived_fields(person)
    person.full_clean(exclude=["case_number"])
    person.save()
    auditing.record(
        auditing.Action.CREATE,
        actor=by,
        obj=person,
        changes=auditing.diff({}, auditing.snapshot(person, PERSON_FIELDS), SENSITIVE_FIELDS),
    )
    if exit_data:
        save_exit(by=by, person=person, values=exit_data)
    queue_for_review([person.pk])
    return Outcome(person, notices)


def _starting_states_message() -> str:
    return _("A case starts as %(states)s; change the status afterwards on the person page.") % {
        "states": " / ".join(str(Status(state).label) for state in workflow.STARTING_STATES)
    }


@transaction.atomic
def update_person(
    *, by: User, person: Person, values: Mapping[str, Any], expected_version: int
) -> Outcome:
    """Save changes unless someone else saved the person since `expected_version` was read.
    The status is not changed here: only through the workflow (`change_status`)."""
    values = dict(values)
    notices = prepare_names(values)
    current = concurrency.lock(
        Person,
        person.pk,
        expected_version=expected_version,
        submitted=values,
        normalise={"phone": normalise_phone},
    )
    if "status" in values and values["status"] != current.status:
        raise ValidationError({"status": _status_through_workflow_message()})
    before = auditing.snapshot(current, PERSON_FIELDS)
    for field, value in values.items():
        setattr(current, field, value)
    apply_derived_fields(current)
    current.full_clean(exclude=["case_number"])
    current.save()
    changes = auditing.diff(before, auditing.snapshot(current, PERSON_FIELDS), SENSITIVE_FIELDS)
    auditing.record(auditing.Action.UPDATE, actor=by, obj=current, changes=changes)
    if set(changes) & set(REVIEWED_FIELDS):
        queue_for_review([current.pk])
    return Outcome(current, notices)


# What the duplicate search compares: a change of any of them looks for duplicates again.
REVIEWED_FIELDS = (
    "full_name", "name_my", "reference", "sex", "birth_year", "origin_region", "phone",
)  # fmt: skip


def queue_for_review(person_ids: list[int]) -> None:
    """After the commit, look for duplicates of these people and queue the pairs for the
    admins' review (`people.review_queue`, every site)."""
    if person_ids:
        people_changed.send(sender=Person, person_ids=person_ids)


def resolve_suspicion(*, by: User, first: Person, second: Person, status: str) -> int:
    """The queued pair of these two records is resolved (merged, or different people)."""
    low, high = sorted((first.pk, second.pk))
    return DuplicateSuspicion.objects.filter(
        first_id=low, second_id=high, status=SuspicionStatus.OPEN
    ).update(status=status, resolved_by=by, resolved_at=timezone.now())


def _status_through_workflow_message() -> str:
    return _(
        "The status changes through the workflow (Change status on the person page), with "
        "its date and reason."
    )


@transaction.atomic
def change_status(
    *,
    by: User,
    person: Person,
    to_status: str,
    expected_version: int,
    closing_reason: str = "",
    note: str = "",
    changed_on: date | None = None,
) -> StatusChange:
    """Move a case along the workflow (`people.workflow`): refused with a ValidationError by
    field when the change is not allowed or lacks its reason. Records the change (who, when,
    why), keeps the person's `closing_reason` and writes the audit row."""
    current = concurrency.lock(
        Person.objects.select_related("location"),
        person.pk,
        expected_version=expected_version,
        submitted={"status": to_status},
    )
    note = note.strip()
    errors = workflow.refusals(current.status, to_status, closing_reason, note)
    today = site_today(current.location)  # the day at the person's site
    changed_on = changed_on or today
    if changed_on > today:
        errors.setdefault("changed_on", _("The date cannot be in the future."))
    earliest = _earliest_change_date(current)
    if changed_on < earliest:
        errors.setdefault(
            "changed_on",
            _("The date cannot be before %(date)s (the registration or the previous change).")
            % {"date": earliest.isoformat()},
        )
    if errors:
        raise ValidationError(errors)
    if to_status == Status.RESETTLED:
        closing_reason = ClosingReason.RESETTLED
    return _record_status_change(
        by=by,
        person=current,
        to_status=to_status,
        closing_reason=closing_reason,
        note=note,
        changed_on=changed_on,
    )


def _earliest_change_date(person: Person) -> date:
    last = (
        StatusChange.objects.filter(person=person)
        .order_by("-changed_on")
        .values_list("changed_on", flat=True)
        .first()
    )
    registered = site_localtime(person.created_at, person.location).date()
    return max(last, registered) if last else registered


def _record_status_change(
    *,
    by: User,
    person: Person,
    to_status: str,
    closing_reason: str,
    note: str,
    changed_on: date,
) -> StatusChange:
    """Save the person's new status (already locked, its version moved on) with its row."""
    change = StatusChange.objects.create(
        person=person,
        from_status=person.status,
        to_status=to_status,
        closing_reason=closing_reason,
        note=note,
        changed_on=changed_on,
        changed_by=by,
    )
    person.status = to_status
    person.closing_reason = closing_reason if to_status in workflow.CLOSED_STATES else ""
    person.save(update_fields=["status", "closing_reason", "version", "updated_at"])
    changes = {
        "status": [change.from_status, to_status],
        "changed_on": [None, changed_on.isoformat()],
    }
    if closing_reason:
        changes["closing_reason"] = [None, closing_reason]
    if note:
        changes["note"] = [auditing.MASK, auditing.MASK]
    auditing.record(auditing.Action.UPDATE, actor=by, obj=person, changes=changes)
    return change


@transaction.atomic
def save_exit(
    *,
    by: User,
    person: Person,
    values: Mapping[str, Any],
    exit: Exit | None = None,
    expected_version: int | None = None,
) -> Exit:
    """Record an exit, or change one (`exit` and the `expected_version` it was read at)."""
    creating = exit is None
    values = dict(values)
    burmese.to_unicode_values(values, EXIT_TEXT_FIELDS)
    if creating:
        exit = Exit(person=person)
        before = {}
    else:
        exit = _lock_existing(Exit, exit, expected_version, values)
        before = auditing.snapshot(exit, EXIT_FIELDS)
    for field, value in values.items():
        setattr(exit, field, value)
    if exit.exit_type != "pow":
        exit.custody_status = ""
    exit.full_clean()
    exit.save()
    auditing.record(
        auditing.Action.CREATE if creating else auditing.Action.UPDATE,
        actor=by,
        obj=exit,
        changes=auditing.diff(before, auditing.snapshot(exit, EXIT_FIELDS), SENSITIVE_FIELDS),
    )
    return exit


def _lock_existing(model, record, expected_version: int | None, values: Mapping[str, Any]):
    """The saved record, locked and checked against the version the change was made on.
    A change without a version is refused: it could overwrite someone else's."""
    if expected_version is None:
        raise ValidationError(
            _("This change does not say which version of the record it was made on.")
        )
    return concurrency.lock(model, record.pk, expected_version=expected_version, submitted=values)


@transaction.atomic
def add_note(*, by: User, person: Person, text: str) -> CaseNote:
    text = unicode_text(text)
    note = CaseNote.objects.create(person=person, author=by, text=text)
    auditing.record(auditing.Action.CREATE, actor=by, obj=note)
    return note


@transaction.atomic
def edit_note(*, by: User, note: CaseNote, text: str, expected_version: int) -> CaseNote:
    if not note.editable_by(by):
        raise PermissionDenied(_("Only the author can edit a note, within 24 hours."))
    note = concurrency.lock(
        CaseNote, note.pk, expected_version=expected_version, submitted={"text": text}
    )
    note.text = unicode_text(text)
    note.edited_at = timezone.now()
    note.save(update_fields=["text", "edited_at", "version"])
    auditing.record(auditing.Action.UPDATE, actor=by, obj=note, changes={"text": ["•••", "•••"]})
    return note


@transaction.atomic
def add_follow_up(
    *, by: User, person: Person, due_on: date, assignee: User, description: str
) -> FollowUp:
    follow_up = FollowUp.objects.create(
        person=person,
        due_on=due_on,
        assignee=assignee,
        description=unicode_text(description),
        created_by=by,
    )
    auditing.record(auditing.Action.CREATE, actor=by, obj=follow_up)
    return follow_up


@transaction.atomic
def complete_follow_up(*, by: User, follow_up: FollowUp, expected_version: int) -> FollowUp:
    """Mark a follow-up done (once: marking it again changes nothing)."""
    follow_up = concurrency.lock(FollowUp, follow_up.pk, expected_version=expected_version)
    if follow_up.done_at is None:
        follow_up.done_at, follow_up.done_by = timezone.now(), by
        follow_up.save(update_fields=["done_at", "done_by", "version"])
        auditing.record(
            auditing.Action.UPDATE, actor=by, obj=follow_up, changes={"done": [False, True]}
        )
    return follow_up


@transaction.atomic
def raise_flag(*, by: User, person: Person, reason: str, note: str = "") -> Flag:
    flag = Flag.objects.create(person=person, reason=reason, note=unicode_text(note), raised_by=by)
    auditing.record(auditing.Action.CREATE, actor=by, obj=flag, changes={"reason": [None, reason]})
    return flag


@transaction.atomic
def resolve_flag(*, by: User, flag: Flag, resolution_note: str, expected_version: int) -> Flag:
    if not resolution_note.strip():
        raise ValidationError({"resolution_note": _("Say how the flag was resolved.")})
    flag = concurrency.lock(
        Flag,
        flag.pk,
        expected_version=expected_version,
        submitted={"resolution_note": resolution_note},
    )
    if flag.resolved_at is not None:
        raise ValidationError(_("This flag is already resolved."))
    flag.resolved_by, flag.resolved_at = by, timezone.now()
    flag.resolution_note = unicode_text(resolution_note)
    flag.save(update_fields=["resolved_by", "resolved_at", "resolution_note", "version"])
    auditing.record(auditing.Action.UPDATE, actor=by, obj=flag, changes={"resolved": [False, True]})
    return flag


@transaction.atomic
def create_referral(
    *, by: User, person: Person, values: Mapping[str, Any], override_reason: str = ""
) -> Referral:
    """Refer a person to a partner; refused without consent to share, unless an admin
    overrides it with a reason (kept, encrypted, on the referral; the audit log records the
    override without the reason)."""
    values = dict(values)
    burmese.to_unicode_values(values, ("outcome_note",))
    referral = Referral(person=person, created_by=by, **values)
    if not person.consent_allows_sharing:
        if by.role != Role.ADMIN or not override_reason.strip():
            raise ValidationError(
                _(
                    "This person has not consented to sharing data with partners. Only an "
                    "admin can refer them, with a reason."
                )
            )
        referral.consent_override_reason = unicode_text(override_reason.strip())
        referral.consent_override_by = by
    referral.full_clean()
    referral.save()
    changes = {"partner": [None, referral.partner_id], "service": [None, referral.service]}
    if referral.consent_override_by_id:
        # The reason is on the (encrypted) referral; the log says an override happened.
        changes["consent_override"] = [None, auditing.MASK]
    auditing.record(auditing.Action.CREATE, actor=by, obj=referral, changes=changes)
    return referral


@transaction.atomic
def update_referral(
    *, by: User, referral: Referral, status: str, outcome_note: str, expected_version: int
) -> Referral:
    outcome_note = unicode_text(outcome_note)
    referral = concurrency.lock(
        Referral,
        referral.pk,
        expected_version=expected_version,
        submitted={"status": status, "outcome_note": outcome_note},
    )
    before = auditing.snapshot(referral, ("status", "outcome_note"))
    referral.status, referral.outcome_note = status, outcome_note
    referral.full_clean()
    referral.save(update_fields=["status", "outcome_note", "version"])
    changes = auditing.diff(
        before, auditing.snapshot(referral, ("status", "outcome_note")), SENSITIVE_FIELDS
    )
    auditing.record(auditing.Action.UPDATE, actor=by, obj=referral, changes=changes)
    return referral


@transaction.atomic
def save_feedback(
    *,
    by: User,
    person: Person,
    values: Mapping[str, Any],
    feedback: Feedback | None = None,
    expected_version: int | None = None,
) -> Feedback:
    """Record feedback, or change it (`feedback` and the `expected_version` it was read at)."""
    creating = feedback is None
    fields = ("received_on", "channel", "category", "about_staff", "text", "status", "response",
              "closed_on")  # fmt: skip
    values = dict(values)
    burmese.to_unicode_values(values, ("text", "response"))
    if creating:
        feedback = Feedback(person=person, recorded_by=by)
        before = {}
    else:
        feedback = _lock_existing(Feedback, feedback, expected_version, values)
        before = auditing.snapshot(feedback, fields)
    for field, value in values.items():
        setattr(feedback, field, value)
    if feedback.status == "closed" and feedback.closed_on is None:
        feedback.closed_on = site_today(person.location)
    feedback.full_clean()
    feedback.save()
    auditing.record(
        auditing.Action.CREATE if creating else auditing.Action.UPDATE,
        actor=by,
        obj=feedback,
        changes=auditing.diff(before, auditing.snapshot(feedback, fields), {"text", "response"}),
    )
    return feedback


PARTNER_FIELDS = ("name", "services", "contact", "active")


@transaction.atomic
def save_partner(
    *,
    by: User,
    values: Mapping[str, Any],
    partner: Partner | None = None,
    expected_version: int | None = None,
) -> Partner:
    """Add a partner organisation, or change one (with the version it was read at)."""
    if partner is None:
        partner, before = Partner(), {}
    else:
        partner = _lock_existing(Partner, partner, expected_version, values)
        before = auditing.snapshot(partner, PARTNER_FIELDS)
    for field, value in values.items():
        setattr(partner, field, value)
    partner.full_clean()
    partner.save()
    auditing.record(
        auditing.Action.UPDATE if before else auditing.Action.CREATE,
        actor=by,
        obj=partner,
        changes=auditing.diff(before, auditing.snapshot(partner, PARTNER_FIELDS)),
    )
    return partner


@transaction.atomic
def mark_distinct(*, by: User, first: Person, second: Person) -> DistinctPeople:
    low, high = sorted([first, second], key=lambda p: p.pk)
    pair, _ = DistinctPeople.objects.get_or_create(
        first=low, second=high, defaults={"decided_by": by}
    )
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=low,
        changes={"distinct_from": [None, high.case_number]},
    )
    resolve_suspicion(by=by, first=low, second=high, status=SuspicionStatus.DISTINCT)
    return pair


@transaction.atomic
def merge_people(*, by: User, keep: Person, merge: Person) -> Person:
    """Move everything recorded for `merge` to `keep`; `merge` stays as a redirect."""
    if keep.pk == merge.pk:
        raise ValidationError(_("A record cannot be merged into itself."))
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    merge = Person.objects.select_for_update().get(pk=merge.pk)
    if merge.merged_into_id:
        raise ValidationError(_("This record was already merged."))
    resolved = {}
    for _receiver, result in before_merge.send(sender=Person, keep=keep, merge=merge, by=by):
        resolved.update(result or {})
    moved = {}
    for related in Person._meta.related_objects:
        # A record's status history stays with it: it is the history of that record.
        if related.related_model is StatusChange:
            continue
        if related.one_to_many and related.field.name == "person":
            count = related.related_model.objects.filter(person=merge).update(person=keep)
            if count:
                moved[related.related_model._meta.label_lower] = count
    merge.merged_into = keep
    merge.save(update_fields=["merged_into"])
    # Nothing is left to review about the record merged away: its pair with the record kept
    # is merged, its other pairs are found again for the record kept (queued below).
    DuplicateSuspicion.objects.filter(
        Q(first=merge) | Q(second=merge), status=SuspicionStatus.OPEN
    ).update(status=SuspicionStatus.MERGED, resolved_by=by, resolved_at=timezone.now())
    # The record merged away is closed as a duplicate, whatever its status was.
    merge.version += 1
    _record_status_change(
        by=by,
        person=merge,
        to_status=Status.CLOSED,
        closing_reason=ClosingReason.DUPLICATE_MERGED,
        note="",
        changed_on=site_today(merge.location),
    )
    keep.version += 1
    restriction = ["restricted", "restriction_reason", "restricted_at", "restricted_by"]
    if merge.restricted and not keep.restricted:
        # A restricted record stays protected in the record it is merged into (issue 20).
        for field in restriction:
            setattr(keep, field, getattr(merge, field))
    keep.save(update_fields=["version", "updated_at", *restriction])
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=keep,
        changes={
            "merged": [merge.case_number, keep.case_number],
            "moved": [None, moved],
            **({"resolved": [None, resolved]} if resolved else {}),
        },
    )
    queue_for_review([keep.pk])
    return keep


ANONYMISED_NAME = "Anonymised"
REMOVED = "[removed]"


@transaction.atomic
def anonymise_person(*, by: User, person: Person, reason: str) -> Person:
    """Erase a person's identifying data; keep what statistics count (site, sex, birth year,
    origin, status, exits' type, affiliation, date and recruit status). Irreversible."""
    if by.role != Role.ADMIN:
        raise PermissionDenied(_("Only an admin can anonymise a record."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the erasure.")})
    person = Person.objects.select_for_update().get(pk=person.pk)
    return _erase(person, actor=by, changes={"anonymised": [None, reason.strip()]})


def _erase(person: Person, *, actor: User | None, changes: dict[str, Any]) -> Person:
    """The erasure itself, on a person locked by the caller; `actor` None for the system."""
    person.full_name, person.preferred_name, person.name_my = ANONYMISED_NAME, "", ""
    person.phone, person.consent_notes = "", ""
    person.vulnerabilities = []
    person.anonymised_at = timezone.now()
    person.version += 1
    apply_derived_fields(person)
    person.name_key = ""  # "anonymised" records are not each other's duplicates
    person.save()
    person.exits.update(unit="", rank="", place_township="", receiving_group="")
    person.notes.update(text=REMOVED)
    person.feedback.update(text=REMOVED, response="")
    person.follow_ups.update(description=REMOVED)
    person.flags.update(note="", resolution_note="")
    person.referrals.update(outcome_note="", consent_override_reason="")
    person.transfers.update(reason=REMOVED)
    # The reasons' texts may describe the person; the closing reasons stay (statistics).
    person.status_changes.exclude(note="").update(note=REMOVED)
    RetentionHold.objects.filter(person=person).delete()  # nothing left to keep
    auditing.record(auditing.Action.UPDATE, actor=actor, obj=person, changes=changes)
    return person


# --- Retention of closed cases (people.retention) ----------------------------------------------


def retention_due_ids(now: datetime | None = None) -> list[int]:
    """The ids of the closed cases due for anonymisation now (none when retention is off)."""
    cutoff = retention.cutoff(now or timezone.now())
    if cutoff is None:
        return []
    return list(Person.objects.closed_before(cutoff).order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def anonymise_for_retention(person_id: int, now: datetime | None = None) -> bool:
    """Anonymise one closed case whose retention period is over, as a system action (no
    user; audited). Idempotent: the rule is checked again on the locked row, so a case
    anonymised, reopened, changed or kept meanwhile (or gone) is left alone. Returns
    whether it was anonymised."""
    now = now or timezone.now()
    cutoff = retention.cutoff(now)
    if cutoff is None:
        return False
    person = Person.objects.select_for_update().filter(pk=person_id).first()
    if person is None or not Person.objects.closed_before(cutoff).filter(pk=person_id).exists():
        return False
    days = settings.RETENTION_CLOSED_CASE_DAYS
    reason = f"retention: closed for more than {days} days"
    return bool(
        _erase(person, actor=None, changes={"anonymised": [None, reason], "system": [None, True]})
    )


def anonymise_due_cases(now: datetime | None = None) -> dict[str, int]:
    """Anonymise every closed case due now, each in its own transaction (a failure leaves
    the others done; the next run takes up the rest)."""
    due = retention_due_ids(now)
    done = sum(anonymise_for_retention(person_id, now) for person_id in due)
    return {"due": len(due), "anonymised": done}


@transaction.atomic
def place_retention_hold(*, by: User, person: Person, reason: str) -> RetentionHold:
    """Keep a case from being anonymised by retention, with a reason (admins and case
    workers of the person's site; the view has checked the scope)."""
    if by.role not in (Role.ADMIN, Role.CASE_WORKER):
        raise PermissionDenied(_("Only admins and case workers can keep a case."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for keeping the case.")})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.anonymised_at is not None:
        raise ValidationError(_("This record is already anonymised."))
    if RetentionHold.objects.filter(person=person).exists():
        raise ValidationError(_("This case is already kept."))
    hold = RetentionHold.objects.create(person=person, reason=reason, held_by=by)
    auditing.record(
        auditing.Action.CREATE, actor=by, obj=person, changes={"retention_hold": [None, reason]}
    )
    return hold


@transaction.atomic
def lift_retention_hold(*, by: User, person: Person) -> None:
    """End a retention hold (admins): the case is anonymised when its period is over."""
    if by.role != Role.ADMIN:
        raise PermissionDenied(_("Only an admin can lift a retention hold."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    hold = RetentionHold.objects.filter(person=person).first()
    if hold is None:
        raise ValidationError(_("This case is not kept."))
    hold.delete()
    changes = {"retention_hold": [hold.reason, None]}
    auditing.record(auditing.Action.DELETE, actor=by, obj=person, changes=changes)


def send_retention_notice(now: datetime | None = None) -> int:
    """E-mail the admins what retention will anonymise within NOTICE_DAYS: counts and case
    numbers only. Returns the number of cases listed (nothing is sent when retention is off)."""
    now = now or timezone.now()
    cutoff = retention.cutoff(now, ahead=timedelta(days=retention.NOTICE_DAYS))
    if cutoff is None:
        return 0
    numbers = list(
        Person.objects.closed_before(cutoff)
        .order_by("case_number")
        .values_list("case_number", flat=True)
    )
    held = Person.objects.filter(retention_hold__isnull=False, anonymised_at__isnull=True).count()
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
    )
    if recipients:
        context = {
            "numbers": numbers,
            "held": held,
            "days": retention.NOTICE_DAYS,
            "link": settings.PORTAL_BASE_URL + reverse("people:retention"),
        }
        send_mail(
            subject=render_to_string("people/email/retention_subject.txt", context).strip(),
            message=render_to_string("people/email/retention_body.txt", context),
            from_email=None,
            recipient_list=recipients,
        )
    return len(numbers)
