"""Reads about assistance that "My caseload" and the admins' supervision figures need
(issue 22). People does not import programs: `config` composes these with `people.caseload`."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from statistics import median

from django.db.models import DateField, Max, Min, OuterRef, Subquery
from django.db.models.functions import TruncDate

from people.selectors import current_people_for
from portal.models import Location, User
from portal.scoping import visible_to
from programs.models import Distribution


def latest_assistance_date() -> Subquery:
    """The day a person (OuterRef "pk") last received assistance, at any site: assistance is
    handed over in person, so it counts as contact."""
    return Subquery(
        Distribution.objects.filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(latest=Max("distributed_on"))
        .values("latest")[:1],
        output_field=DateField(),
    )


@dataclass(frozen=True)
class SiteIntakeFigure:
    location: Location
    assisted: int  # people with at least one distribution
    not_assisted: int  # people registered and never assisted yet
    median_days: float | None  # None when nobody at the site was assisted


def intake_to_first_assistance(user: User) -> list[SiteIntakeFigure]:
    """Days from registration (intake) to the first assistance, median per person's site, for
    the current people `user` may see: exact figures, for admins only. A distribution dated
    before the registration (history typed in later) counts as day 0. One query for the
    people (with their first distribution), one for the sites."""
    first = Subquery(
        Distribution.objects.filter(person=OuterRef("pk"))
        .order_by()
        .values("person")
        .annotate(first=Min("distributed_on"))
        .values("first")[:1],
        output_field=DateField(),
    )
    rows = (
        current_people_for(user)
        .order_by()
        .annotate(registered=TruncDate("created_at"), first_assistance=first)
        .values_list("location_id", "registered", "first_assistance")
    )
    days: dict[int, list[int]] = defaultdict(list)
    waiting: dict[int, int] = defaultdict(int)
    for location_id, registered, first_assistance in rows:
        if first_assistance is None:
            waiting[location_id] += 1
        else:
            days[location_id].append(max((first_assistance - registered).days, 0))
    sites = visible_to(user, Location.objects.filter(pk__in=set(days) | set(waiting)))
    return [
        SiteIntakeFigure(
            location=site,
            assisted=len(days[site.pk]),
            not_assisted=waiting[site.pk],
            median_days=median(days[site.pk]) if days[site.pk] else None,
        )
        for site in sites.order_by("code")
    ]
