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


def save_course(*, by: User, values: Mapping[str, Any], course: Course | None = None) -> Course:
    return save_record(
        by=by, model=Course, values=_unicode(values), audit_fields=COURSE_FIELDS, record=course
    )


def save_assistance_type(
    *, by: User, values: Mapping[str, Any], assistance_type: AssistanceType | None = None
) -> AssistanceType:
    return save_record(
        by=by,
        model=AssistanceType,
        values=_unicode(values),
        audit_fields=ASSISTANCE_TYPE_FIELDS,
        record=assistance_type,
        check=_check_assistance_type,
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
    *, by: User, values: Mapping[str, Any], home: SafeHome | None = None
) -> SafeHome:
    return save_record(
        by=by,
        model=SafeHome,
        values=_unicode(values),
        audit_fields=SAFE_HOME_FIELDS,
        record=home,
        check=_check_safe_home,
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
