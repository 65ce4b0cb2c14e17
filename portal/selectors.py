"""Reads for the portal app; every queryset goes through `visible_to`."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from portal.models import Location, SiteAssignment, User
from portal.scoping import visible_to


def locations_for(user: User) -> QuerySet[Location]:
    """Every site the user may see, closed ones included (filters, the home page)."""
    return visible_to(user, Location.objects.all())


def staff_for(user: User, roles: Iterable[str]) -> QuerySet[User]:
    """Active users with one of `roles` assigned today to an active site the user may see:
    the people a case or a session can be given to."""
    # An assignment to a closed site gives no access (`active_site_ids`): its holder is not
    # offered either.
    sites = visible_to(user, Location.objects.filter(active=True))
    assigned = SiteAssignment.objects.filter(SiteAssignment.active_q(), location__in=sites)
    return User.objects.filter(
        is_active=True, role__in=list(roles), pk__in=assigned.values("user_id")
    )


def users_for_admin(user: User) -> QuerySet[User]:
    """Users with their site assignments (admins only, through the scoping function)."""
    return visible_to(user, User.objects.all()).prefetch_related(
        Prefetch("site_assignments", queryset=SiteAssignment.objects.select_related("location"))
    )
