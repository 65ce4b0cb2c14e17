"""Writes for the programmes' reference data: courses, assistance types and safe homes
(managed by admins in the Django admin, through these services)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from people import burmese
from portal.models import User
from portal.services import save_record
from programs.models import AssistanceType, Course, SafeHome

COURSE_FIELDS = ("name", "description", "active")
ASSISTANCE_TYPE_FIELDS = ("name", "kind", "unit", "currency", "repeat_warning_days", "active")
SAFE_HOME_FIELDS = ("name", "location", "capacity", "active")


def _unicode(values: Mapping[str, Any]) -> dict[str, Any]:
    # Names typed in Zawgyi (in the admin) are stored in Unicode, as everywhere.
    values = dict(values)
    burmese.to_unicode_values(values)
    return values


def save_course(
    *,
    by: User,
    values: Mapping[str, Any],
    course: Course | None = None,
    expected_version: int | None = None,
) -> Course:
    return save_reference_data(
        by=by, model=Course, values=values, record=course, expected_version=expected_version
    )


def save_assistance_type(
    *,
    by: User,
    values: Mapping[str, Any],
    assistance_type: AssistanceType | None = None,
    expected_version: int | None = None,
) -> AssistanceType:
    return save_reference_data(
        by=by,
        model=AssistanceType,
        values=values,
        record=assistance_type,
        expected_version=expected_version,
    )


def _check_assistance_type(new: AssistanceType, before: AssistanceType | None) -> None:
    # Quantities already given were counted in the old unit or currency: a change would
    # silently re-label them (statistics add them up per unit).
    if before is None or not new.distributions.exists():
        return
    if (new.kind, new.unit, new.currency) != (before.kind, before.unit, before.currency):
        raise ValidationError(
            _(
                "This assistance has been given already: its kind, unit and currency stay. "
                "Add a new type and deactivate this one."
            )
        )


def save_safe_home(
    *,
    by: User,
    values: Mapping[str, Any],
    home: SafeHome | None = None,
    expected_version: int | None = None,
) -> SafeHome:
    return save_reference_data(
        by=by, model=SafeHome, values=values, record=home, expected_version=expected_version
    )


def _check_safe_home(new: SafeHome, before: SafeHome | None) -> None:
    if before is None:
        return
    residents = new.stays.filter(check_out__isnull=True).count()
    if not residents:
        return
    if new.location_id != before.location_id:
        # Their stays would move to another site's case workers.
        raise ValidationError(
            {"location": _("People live in this home now: check them out before moving it.")}
        )
    if not new.active and before.active:
        raise ValidationError(
            {"active": _("People live in this home now: check them out before closing it.")}
        )


# Each kind of reference data: the fields its audit rows show, and its rule across rows.
RULES = {
    Course: (COURSE_FIELDS, None),
    AssistanceType: (ASSISTANCE_TYPE_FIELDS, _check_assistance_type),
    SafeHome: (SAFE_HOME_FIELDS, _check_safe_home),
}


def save_reference_data(
    *,
    by: User,
    model: type[Course | AssistanceType | SafeHome],
    values: Mapping[str, Any],
    record: Course | AssistanceType | SafeHome | None = None,
    expected_version: int | None = None,
):
    """Add or change a course, an assistance type or a safe home, for the Django admin and
    the API alike: names converted from Zawgyi, the kind's rule, one audit row; a change with
    the version it was read at is refused when stale (`portal.concurrency`)."""
    audit_fields, check = RULES[model]
    return save_record(
        by=by,
        model=model,
        values=_unicode(values),
        audit_fields=audit_fields,
        record=record,
        check=check,
        expected_version=expected_version,
    )
