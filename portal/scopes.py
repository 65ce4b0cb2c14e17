"""The `Scope` each model declares: how its rows are reached by each role.

A leaf module (it imports no model), so that models can declare their scope and
`portal.scoping` can read it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from portal.roles import Role


@dataclass(frozen=True)
class Scope:
    """How rows of a model are reached by each role.

    site: lookup from the model to the primary key of its Location ("pk" for Location).
    trainer: lookup from the model to the trainer (a user) who runs it.
    site_roles: roles that see the rows of their assigned sites.
    open_to_roles: roles that see every row (non-personal reference data).
    person_site: for a record a site ran about a person (an enrolment, attendance, a
        distribution, a stay), the lookup to the person's *current* site. The person's site
        then sees the row too (a new site sees the history of someone transferred to it), and
        only the person's site may change it: a site the person has left keeps what it ran
        as read-only history (`portal.scoping.writable_by`).
    admins_only: rows matching this condition are seen by admins only (confidential
        feedback); other roles do not see them at all.
    restricted_person: lookup from the model to the person it describes ("" for the person
        itself). A restricted person's rows are then hidden from the site roles, except from
        the person's case worker and from users who opened the record with a reason for a
        few hours (break-the-glass, `portal.scoping.full_access_q`).
    """

    site: str | None = None
    trainer: str | None = None
    site_roles: frozenset[str] = field(default_factory=lambda: frozenset({Role.CASE_WORKER}))
    open_to_roles: frozenset[str] = frozenset()
    person_site: str | None = None
    admins_only: Q | None = None
    restricted_person: str | None = None
