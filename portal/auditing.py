"""Write audit rows. Call these inside the transaction of the change they describe."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from portal import request_context
from portal.models import AuditEvent

Action = AuditEvent.Action
MASK = "•••"


def _event(
    action: str,
    *,
    actor,
    object_type: str,
    object_id: str | int,
    person_id: int | None,
    site_id: int | None,
    changes: Mapping[str, Any] | None,
) -> AuditEvent:
    """An unsaved audit row, with who and the current request's id, IP and path."""
    context = request_context.get()
    return AuditEvent(
        action=action,
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        object_type=object_type,
        object_id=str(object_id or ""),
        person_id=person_id,
        site_id=site_id,
        changes=dict(changes or {}),
        source_ip=context.source_ip if context else None,
        request_id=context.request_id if context else "",
        path=context.path[:300] if context else "",
    )


def record(
    action: str,
    *,
    actor=None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    person_id: int | None = None,
    site_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit row, with who/when and the current request's id, IP and path."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        person_id = person_id if person_id is not None else getattr(obj, "audit_person_id", None)
        site_id = site_id if site_id is not None else getattr(obj, "audit_site_id", None)
    event = _event(
        action,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        site_id=site_id,
        changes=changes,
    )
    event.save()
    return event


def record_many(action: str, *, actor, rows: Iterable[Mapping[str, Any]]) -> None:
    """Audit rows for many objects in one INSERT; each row gives `object_type`, `object_id`
    and optionally `person_id`, `site_id` and `changes`, as `record` takes them."""
    AuditEvent.objects.bulk_create(
        _event(
            action,
            actor=actor,
            object_type=row["object_type"],
            object_id=row["object_id"],
            person_id=row.get("person_id"),
            site_id=row.get("site_id"),
            changes=row.get("changes"),
        )
        for row in rows
    )


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `fields` on `obj`, as strings, for a later `diff`."""
    values = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        values[name] = None if value is None else str(value)
    return values


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any], sensitive: Iterable[str] = ()
) -> dict[str, list[Any]]:
    """Changed fields as {name: [old, new]}; values of sensitive fields are masked."""
    sensitive = set(sensitive)
    changed = {}
    for name in after:
        old, new = before.get(name), after[name]
        if old != new:
            changed[name] = [MASK, MASK] if name in sensitive else [old, new]
    return changed


def record_page_read(actor, page: str, items: Iterable[Any] = ()) -> AuditEvent:
    """One VIEW row for a screen that shows several people (rosters, lists, search results,
    the home page, duplicates, people offered by a form): which page and the ids of the
    people it showed, so a read of any of them can be traced. One INSERT per page view;
    `items` are people, rows about people, dicts with `person_id`, or person ids."""
    person_ids = sorted({pid for pid in (_person_id(item) for item in items) if pid is not None})
    return record(
        Action.VIEW, actor=actor, object_type=page, changes={"people": [None, person_ids]}
    )


def record_list_read(actor, model: type[models.Model], ids: Iterable[int]) -> AuditEvent:
    """One VIEW row for a list the API answered (not one per record), with the ids listed."""
    return record(
        Action.VIEW,
        actor=actor,
        object_type=model._meta.label_lower,
        changes={"listed": [None, list(ids)]},
    )


def _person_id(item: Any) -> int | None:
    """The person a listed item shows: a person id, a row about a person, or a person."""
    if isinstance(item, int):
        return item
    if isinstance(item, dict):
        return item.get("person_id") or item.get("person")
    if getattr(item, "person_id", None) is not None:
        return item.person_id
    if getattr(item, "audit_person_id", None) is not None:
        return item.audit_person_id  # a Person (the core imports no people model)
    person = getattr(item, "person", None)
    return getattr(person, "pk", None)
