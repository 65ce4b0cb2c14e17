"""Reads for the portal app; every queryset goes through `visible_to`."""

from django.db.models import Prefetch, QuerySet

from portal.models import Location, SiteAssignment, User
from portal.scoping import visible_to


def locations_for(user: User) -> QuerySet[Location]:
    return visible_to(user, Location.objects.all())


def users_for_admin(user: User) -> QuerySet[User]:
    """Users with their site assignments (admins only, through the scoping function)."""
    return visible_to(user, User.objects.all()).prefetch_related(
        Prefetch("site_assignments", queryset=SiteAssignment.objects.select_related("location"))
    )
