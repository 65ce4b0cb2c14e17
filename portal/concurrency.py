"""Optimistic locking: the one rule, shared by every app's services, the screens and the API.

Every record that can be changed after it was created carries `version` (`version_field()`),
moved on by each save through its service. A screen's form carries the version it was opened
on (a hidden field, `portal.forms.VersionedFormMixin`), the API's ETag is the version and
If-Match sends it back. The service calls `lock()` inside its transaction: the saved row is
locked, compared, and refused with `StaleEditError` when someone saved it in between. The
screens answer 409 and show what changed; the API answers 412. Nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import models

VERSION_FIELD = "version"

ModelT = TypeVar("ModelT", bound=models.Model)


class StaleEditError(Exception):
    """The record changed since the form was opened. `changes` lists, by field label, the
    fields where the saved record differs from what this user submitted: [theirs, saved]."""

    def __init__(self, changes: dict[str, list[Any]]):
        super().__init__("The record was changed by someone else.")
        self.changes = changes


def version_field() -> models.PositiveIntegerField:
    """The `version` every editable model declares (incremented by `lock`). The database
    default lets bulk writers that name their columns (demo data, imports) leave it out."""
    return models.PositiveIntegerField(default=1, db_default=1, editable=False)


def lock(
    records: type[ModelT] | models.QuerySet[ModelT],
    pk: int,
    *,
    expected_version: int,
    submitted: Mapping[str, Any] | None = None,
    normalise: Mapping[str, Callable[[Any], Any]] | None = None,
) -> ModelT:
    """The saved record, locked until the transaction ends, with its version moved on: the
    caller changes it and saves it (a `save(update_fields=...)` names "version" too).

    Raises `StaleEditError` when it was saved since the caller read `expected_version`,
    listing where it differs from `submitted` (the values the user sent)."""
    queryset = records._default_manager.all() if isinstance(records, type) else records
    current = queryset.select_for_update(of=("self",)).get(pk=pk)
    if current.version != expected_version:
        raise StaleEditError(differences(current, submitted or {}, normalise))
    current.version = expected_version + 1
    return current


def differences(
    current: models.Model,
    submitted: Mapping[str, Any],
    normalise: Mapping[str, Callable[[Any], Any]] | None = None,
) -> dict[str, list[Any]]:
    """Fields where the saved record differs from submitted values, by label:
    [submitted, saved], as a person reads them (choice labels, names of related records).
    Names that are not model fields (a form's extra fields) are left out."""
    changes = {}
    for name, mine in submitted.items():
        try:
            field = current._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not field.concrete or name == VERSION_FIELD:
            continue
        if normalise and name in normalise:
            mine = normalise[name](mine)
        if field.is_relation:
            saved_key = getattr(current, field.attname)
            mine_key = mine.pk if isinstance(mine, models.Model) else mine
            if (mine_key or None) == (saved_key or None):
                continue
            saved = getattr(current, name)
        else:
            saved = getattr(current, name)
            if (mine or None) == (saved or None):
                continue
        label = str(field.verbose_name)
        changes[label] = [display(field, mine), display(field, saved)]
    return changes


def display(field: models.Field, value: Any) -> str:
    """A value as a person reads it."""
    if value in (None, "", []):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
