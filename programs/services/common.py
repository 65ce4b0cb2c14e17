"""Helpers shared by the programme services."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from people.models import Person
from portal import request_context
from portal.models import AuditEvent, User


def record_many(action: str, *, actor: User, rows: Iterable[Mapping[str, Any]]) -> None:
    """Audit rows for many objects in one INSERT (the fields `auditing.record` fills)."""
    context = request_context.get()
    events = [
        AuditEvent(
            action=action,
            actor=actor,
            object_type=row["object_type"],
            object_id=str(row["object_id"]),
            person_id=row.get("person_id"),
            site_id=row.get("site_id"),
            changes=dict(row.get("changes") or {}),
            source_ip=context.source_ip if context else None,
            request_id=context.request_id if context else "",
            path=context.path[:300] if context else "",
        )
        for row in rows
    ]
    AuditEvent.objects.bulk_create(events)


def is_usable(person: Person) -> bool:
    return person.merged_into_id is None and person.status != "closed"
