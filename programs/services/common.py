"""Helpers shared by the programme services."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from people.models import Person
from portal import auditing, concurrency
from portal.models import User


def is_usable(person: Person) -> bool:
    return person.merged_into_id is None and person.status != "closed"


@transaction.atomic
def save_reference_data(
    *,
    by: User,
    model: type[models.Model],
    fields: tuple[str, ...],
    values: Mapping[str, Any],
    record: models.Model | None = None,
    expected_version: int | None = None,
) -> models.Model:
    """Add or change reference data (a course, an assistance type), audited; a change carries
    the version it was read at (`portal.concurrency`)."""
    if record is None:
        record, before = model(), {}
    else:
        if expected_version is None:
            raise ValidationError(_("This change does not say which version it was made on."))
        record = concurrency.lock(
            model, record.pk, expected_version=expected_version, submitted=values
        )
        before = auditing.snapshot(record, fields)
    for field, value in values.items():
        setattr(record, field, value)
    record.full_clean()
    record.save()
    auditing.record(
        auditing.Action.UPDATE if before else auditing.Action.CREATE,
        actor=by,
        obj=record,
        changes=auditing.diff(before, auditing.snapshot(record, fields)),
    )
    return record
