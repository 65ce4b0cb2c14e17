"""The one function that narrows any queryset to what a user may see.

Every view, form choice list, export and API endpoint calls `visible_to`. A model declares
how it is reached with a `scope = Scope(...)` class attribute; a model without one is
visible to admins only. Objects outside a user's scope answer 404 through
`get_object_for_user`, so a guessed id tells nothing.

Seeing is not changing: a record a site ran about a person who has since been transferred
elsewhere stays visible to that site as history, but only the person's current site may
change it (`writable_by`, `get_object_for_change`, `writable_flag`). A change refused that
way raises `ReadOnlyRecord` (403, audited like every refusal).

Restricted people (issue 20) are the one exception to "a site role sees its sites": a model
whose scope names `restricted_person` hides a restricted person's rows from the site roles,
except from the person's case worker and from users who opened the record with a reason
(break-the-glass) for `RESTRICTED_ACCESS_HOURS`. The rule is `full_access_q`, written once.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import BooleanField, Expression, ExpressionWrapper, Model, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import SiteAssignment, User
from portal.roles import Role
from portal.scopes import Scope
from portal.statements import fetch_all, kept_statement

M = TypeVar("M", bound=Model)


def active_site_ids(user: User) -> frozenset[int]:
    """Ids of the active sites a user is assigned to today; cached for one request."""
    cached = getattr(user, "_active_site_ids", None)
    if cached is not None:
        return cached
    statement = _active_sites_statement(
        router.db_for_read(SiteAssignment), user.pk, timezone.localdate()
    )
    ids = frozenset(row[0] for row in fetch_all(statement))
    user._active_site_ids = ids
    return ids


@kept_statement
def _active_sites_statement(alias: str, user_id: int, today: date) -> QuerySet:
    """What reads a user's active sites on a day: every scoped request reads them first, and
    building this queryset each time was about 1,200 Python calls of it (`portal.statements`:
    the statement is kept per user and day, the sites are read on every request)."""
    return (
        SiteAssignment.objects.using(alias)
        .filter(SiteAssignment.active_q(today), user_id=user_id, location__active=True)
        .values_list("location_id")
    )


def forget_active_site_ids(user: User) -> None:
    """After the user's sites changed: the next scope reads them again. The ids are kept
    for one request, and scoping names them once read (`_active_sites`), so a change made
    through this same user object must not leave the old ones behind."""
    user._active_site_ids = None


# The reverse relation from a person to the openings of their record (break-the-glass): its
# rows have `user`, `person` and `expires_at`.
ACCESS_GRANTS = "access_grants"


def _model_at(model: type[Model], path: str) -> type[Model]:
    for part in path.split("__") if path else ():
        model = model._meta.get_field(part).related_model
    return model


def full_access_q(user: User, model: type[Model], path: str = "") -> Q:
    """Rows of `model` whose person (reached through `path`, "" for a person) `user` may see
    in full: not restricted, their own case, or opened with a reason that has not expired.
    Admins see everything without it (`visible_to`)."""
    prefix = f"{path}__" if path else ""
    grants = _model_at(model, path)._meta.get_field(ACCESS_GRANTS).related_model
    opened = grants.objects.filter(user=user, expires_at__gt=timezone.now()).values("person_id")
    return (
        Q(**{f"{prefix}restricted": False})
        # "IS NOT NULL" keeps the negation (`exclude`, the records shown by case number
        # only) true for a record without a case worker, instead of SQL's unknown.
        | Q(**{f"{prefix}case_worker__isnull": False, f"{prefix}case_worker": user})
        | Q(**{f"{prefix}pk__in": opened})
    )


def visible_to(
    user: User, queryset: QuerySet[M], *, include_restricted: bool = False
) -> QuerySet[M]:
    """Return the part of `queryset` that `user` may see (deny by default).

    `include_restricted=True` keeps the restricted people of the user's sites: only for
    showing that such a record exists (case number only) and for opening it with a reason.
    """
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    role = user.role
    if role == Role.ADMIN:
        return queryset
    scope: Scope | None = getattr(queryset.model, "scope", None)
    if scope is None:
        return queryset.none()
    if scope.admins_only is not None:
        queryset = queryset.filter(~scope.admins_only)
    if role in scope.open_to_roles:
        return queryset
    if role == Role.TRAINER and scope.trainer:
        queryset = queryset.filter(**{scope.trainer: user})
        if scope.site:
            queryset = queryset.filter(**{f"{scope.site}__in": _active_sites(user)})
        return queryset
    if role in scope.site_roles and scope.site:
        sites = _active_sites(user)
        condition = Q(**{f"{scope.site}__in": sites})
        if scope.person_site:
            # The person's current site sees what other sites ran for them (their history).
            condition |= Q(**{f"{scope.person_site}__in": sites})
        queryset = queryset.filter(condition)
        if scope.restricted_person is not None and not include_restricted:
            queryset = queryset.filter(full_access_q(user, queryset.model, scope.restricted_person))
        return queryset
    return queryset.none()


class ReadOnlyRecord(PermissionDenied):
    """A record the user sees but may not change: it is about a person who has moved to a
    site that is not theirs (the history their site keeps is read-only)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or _(
                "This person has moved to another site: what your site recorded is kept as "
                "read-only history, and only their current site can change it."
            )
        )


def _write_condition(user: User, model: type[Model]) -> Q | None:
    """What a visible row must also match for `user` to change it; None: nothing more."""
    if user.role == Role.ADMIN:
        return None
    scope: Scope | None = getattr(model, "scope", None)
    if scope is None or not scope.person_site:
        return None
    return Q(**{f"{scope.person_site}__in": _active_sites(user)})


def writable_by(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """The part of `queryset` that `user` may change: what they see (`visible_to`), less
    the records about people who have moved to a site that is not theirs."""
    return only_writable(user, visible_to(user, queryset))


def only_writable(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """`writable_by` for a queryset a selector has already scoped with `visible_to`."""
    condition = _write_condition(user, queryset.model)
    return queryset if condition is None else queryset.filter(condition)


def writable_flag(user: User, model: type[Model]) -> Expression:
    """An annotation that is true on the rows `user` may change (for lists that show a
    change button only where it would be accepted); no query of its own."""
    condition = _write_condition(user, model)
    if condition is None:
        return Value(True, output_field=BooleanField())
    return ExpressionWrapper(condition, output_field=BooleanField())


def _active_sites(user: User) -> QuerySet | list[int]:
    """The user's active sites: their ids when this request has read them already
    (`active_site_ids`), otherwise a subquery, so that scoping adds no query of its own.

    Why the ids when known: PostgreSQL plans `location_id IN (1)` on the indexes that start
    with the site, where the subquery leaves it a join. A person search that reads its first
    rows in date order then walks one site's people instead of everyone's (issue 23: the
    search's main statement 15.4 -> 11.3 ms at 100,000 people)."""
    known = getattr(user, "_active_site_ids", None)
    if known is not None:
        return sorted(known)
    return SiteAssignment.objects.filter(
        SiteAssignment.active_q(), user=user, location__active=True
    ).values("location_id")


def get_object_for_user(user: User, queryset: QuerySet[M], **lookup) -> M:
    """Fetch one object within the user's scope, or raise 404 (never 403: ids stay opaque)."""
    try:
        return visible_to(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def get_object_for_change(user: User, queryset: QuerySet[M], **lookup) -> M:
    """Fetch one object the user may change: 404 outside their scope (as
    `get_object_for_user`), `ReadOnlyRecord` (403) for a record they only see as history.
    One query when the change is allowed."""
    try:
        return writable_by(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        if visible_to(user, queryset).filter(**lookup).exists():
            raise ReadOnlyRecord() from exc
        raise Http404 from exc
