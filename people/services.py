"""Writes for people and cases. Each runs in a transaction and writes its audit rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from people import burmese
from people.keys import apply_derived_fields, normalise_phone
from people.models import (
    CaseNote,
    CaseNumberSequence,
    DistinctPeople,
    Exit,
    Feedback,
    Flag,
    FollowUp,
    Person,
    Referral,
    Transfer,
)
from people.signals import before_merge
from portal import auditing
from portal.concurrency import StaleEditError
from portal.models import Location, User
from portal.roles import Role

PERSON_FIELDS = (
    "full_name", "preferred_name", "name_my", "sex", "birth_year", "birth_year_estimated",
    "origin_region", "location", "status", "case_worker", "phone", "dependants",
    "vulnerabilities", "consent_date", "consent_storing", "consent_sharing", "consent_photos",
    "consent_withdrawn_on", "consent_notes",
)  # fmt: skip
EXIT_FIELDS = (
    "exit_type", "affiliation", "exit_date", "place_township", "place_region", "receiving_group",
    "recruit_status", "forcibly_conscripted", "years_of_service", "rank", "unit", "reasons",
    "custody_status",
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
    values = dict(person_data)
    notices = prepare_names(values)
    person = Person(**values, created_by=by)
    person.case_number = reserve_case_numbers(person.location, timezone.localdate().year)[0]
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
    return Outcome(person, notices)


@transaction.atomic
def update_person(
    *, by: User, person: Person, values: Mapping[str, Any], expected_version: int
) -> Outcome:
    """Save changes unless someone else saved the person since `expected_version` was read."""
    current = Person.objects.select_for_update().get(pk=person.pk)
    values = dict(values)
    notices = prepare_names(values)
    if current.version != expected_version:
        raise StaleEditError(_differences(current, values))
    before = auditing.snapshot(current, PERSON_FIELDS)
    for field, value in values.items():
        setattr(current, field, value)
    apply_derived_fields(current)
    current.full_clean(exclude=["case_number"])
    current.version = expected_version + 1
    current.save()
    changes = auditing.diff(before, auditing.snapshot(current, PERSON_FIELDS), SENSITIVE_FIELDS)
    auditing.record(auditing.Action.UPDATE, actor=by, obj=current, changes=changes)
    return Outcome(current, notices)


def _differences(current: Person, submitted: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields where the saved record differs from a submitted form, as [submitted, saved]."""
    changes = {}
    for field, mine in submitted.items():
        saved = getattr(current, field)
        if field == "phone":
            mine = normalise_phone(mine)
        if (mine or None) != (saved or None):
            label = str(Person._meta.get_field(field).verbose_name)
            changes[label] = [_display(current, field, mine), _display(current, field, saved)]
    return changes


def _display(person: Person, field: str, value: Any) -> str:
    """A value as a person reads it (choice labels, names of related objects)."""
    model_field = Person._meta.get_field(field)
    if value in (None, "", []):
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


@transaction.atomic
def save_exit(
    *, by: User, person: Person, values: Mapping[str, Any], exit: Exit | None = None
) -> Exit:
    creating = exit is None
    values = dict(values)
    burmese.to_unicode_values(values, EXIT_TEXT_FIELDS)
    exit = exit or Exit(person=person)
    # Read "before" from the database: a bound ModelForm has already changed the instance.
    before = {} if creating else auditing.snapshot(Exit.objects.get(pk=exit.pk), EXIT_FIELDS)
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


@transaction.atomic
def add_note(*, by: User, person: Person, text: str) -> CaseNote:
    text = unicode_text(text)
    note = CaseNote.objects.create(person=person, author=by, text=text)
    auditing.record(auditing.Action.CREATE, actor=by, obj=note)
    return note


@transaction.atomic
def edit_note(*, by: User, note: CaseNote, text: str) -> CaseNote:
    if not note.editable_by(by):
        raise PermissionDenied(_("Only the author can edit a note, within 24 hours."))
    note.text = unicode_text(text)
    note.edited_at = timezone.now()
    note.save(update_fields=["text", "edited_at"])
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
def complete_follow_up(*, by: User, follow_up: FollowUp) -> FollowUp:
    if follow_up.done_at is None:
        follow_up.done_at, follow_up.done_by = timezone.now(), by
        follow_up.save(update_fields=["done_at", "done_by"])
        auditing.record(
            auditing.Action.UPDATE, actor=by, obj=follow_up, changes={"done": [False, True]}
        )
    return follow_up


@transaction.atomic
def transfer_person(
    *, by: User, person: Person, to_location: Location, transferred_on: date, reason: str
) -> Transfer:
    person = Person.objects.select_for_update().get(pk=person.pk)
    if to_location == person.location:
        raise ValidationError({"to_location": _("The person is already at this site.")})
    transfer = Transfer.objects.create(
        person=person,
        from_location=person.location,
        to_location=to_location,
        transferred_on=transferred_on,
        transferred_by=by,
        reason=unicode_text(reason),
    )
    auditing.record(
        auditing.Action.UPDATE,
        actor=by,
        obj=person,
        changes={"location": [person.location.code, to_location.code]},
    )
    person.location = to_location
    person.version += 1
    person.save(update_fields=["location", "version", "updated_at"])
    return transfer


@transaction.atomic
def raise_flag(*, by: User, person: Person, reason: str, note: str = "") -> Flag:
    flag = Flag.objects.create(person=person, reason=reason, note=unicode_text(note), raised_by=by)
    auditing.record(auditing.Action.CREATE, actor=by, obj=flag, changes={"reason": [None, reason]})
    return flag


@transaction.atomic
def resolve_flag(*, by: User, flag: Flag, resolution_note: str) -> Flag:
    if not resolution_note.strip():
        raise ValidationError({"resolution_note": _("Say how the flag was resolved.")})
    flag.resolved_by, flag.resolved_at = by, timezone.now()
    flag.resolution_note = unicode_text(resolution_note)
    flag.save(update_fields=["resolved_by", "resolved_at", "resolution_note"])
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
def update_referral(*, by: User, referral: Referral, status: str, outcome_note: str) -> Referral:
    before = auditing.snapshot(Referral.objects.get(pk=referral.pk), ("status", "outcome_note"))
    referral.status, referral.outcome_note = status, unicode_text(outcome_note)
    referral.full_clean()
    referral.save(update_fields=["status", "outcome_note"])
    changes = auditing.diff(
        before, auditing.snapshot(referral, ("status", "outcome_note")), SENSITIVE_FIELDS
    )
    auditing.record(auditing.Action.UPDATE, actor=by, obj=referral, changes=changes)
    return referral


@transaction.atomic
def save_feedback(
    *, by: User, person: Person, values: Mapping[str, Any], feedback: Feedback | None = None
) -> Feedback:
    creating = feedback is None
    feedback = feedback or Feedback(person=person, recorded_by=by)
    fields = ("received_on", "channel", "category", "text", "status", "response", "closed_on")
    values = dict(values)
    burmese.to_unicode_values(values, ("text", "response"))
    before = {} if creating else auditing.snapshot(Feedback.objects.get(pk=feedback.pk), fields)
    for field, value in values.items():
        setattr(feedback, field, value)
    if feedback.status == "closed" and feedback.closed_on is None:
        feedback.closed_on = timezone.localdate()
    feedback.full_clean()
    feedback.save()
    auditing.record(
        auditing.Action.CREATE if creating else auditing.Action.UPDATE,
        actor=by,
        obj=feedback,
        changes=auditing.diff(before, auditing.snapshot(feedback, fields), {"text", "response"}),
    )
    return feedback


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
        if related.one_to_many and related.field.name == "person":
            count = related.related_model.objects.filter(person=merge).update(person=keep)
            if count:
                moved[related.related_model._meta.label_lower] = count
    merge.merged_into = keep
    merge.status = "closed"
    merge.version += 1
    merge.save(update_fields=["merged_into", "status", "version", "updated_at"])
    keep.version += 1
    keep.save(update_fields=["version", "updated_at"])
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
    auditing.record(
        auditing.Action.UPDATE, actor=by, obj=person, changes={"anonymised": [None, reason.strip()]}
    )
    return person
