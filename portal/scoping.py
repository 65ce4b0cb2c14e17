"""The one function that narrows any queryset to what a user may see.

Every view, form choice list, export and API endpoint calls `visible_to`. A model declares
how it is reached with a `scope = Scope(...)` class attribute; a model without one is
visible to admins only. Objects outside a user's scope answer 404 through
`get_object_for_user`, so a guessed id tells nothing.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from portal.models import SiteAssignment, User
from portal.roles import Role
from portal.scopes import Scope

M = TypeVar("M", bound=Model)


def active_site_ids(user: User) -> frozenset[int]:
    """Ids of the active sites a user is assigned to today; cached for one request."""
    cached = getattr(user, "_active_site_ids", None)
    if cached is not None:
        return cached
    ids = frozenset(
        user.site_assignments.filter(SiteAssignment.active_q(), location__active=True).values_list(
            "location_id", flat=True
        )
    )
    user._active_site_ids = ids
    return ids


def visible_to(user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Return the part of `queryset` that `user` may see (deny by default)."""
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    role = user.role
    if role == Role.ADMIN:
        return queryset
    scope: Scope | None = getattr(queryset.model, "scope", None)
    if scope is None:
        return queryset.none()
    if role in scope.open_to_roles:
        return queryset
    if role == Role.TRAINER and scope.trainer:
        queryset = queryset.filter(**{scope.trainer: user})
        if scope.site:
            queryset = queryset.filter(**{f"{scope.site}__in": _active_sites_subquery(user)})
        return queryset
    if role in scope.site_roles and scope.site:
        return queryset.filter(**{f"{scope.site}__in": _active_sites_subquery(user)})
    return queryset.none()


def _active_sites_subquery(user: User) -> QuerySet:
    """The user's active sites as a subquery: scoping adds no query of its own."""
    return SiteAssignment.objects.filter(
        SiteAssignment.active_q(), user=user, location__active=True
    ).values("location_id")


def get_object_for_user(user: User, queryset: QuerySet[M], **lookup) -> M:
    """Fetch one object within the user's scope, or raise 404 (never 403: ids stay opaque)."""
    try:
        return visible_to(user, queryset).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc
