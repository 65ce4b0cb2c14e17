"""Times shown in a site's zone (issue 22): `{% load site_time %}`.

`{{ instant|in_site_zone:location|date:"H:i" }}` shows a stored instant at the site (Django's
`date` filter would otherwise turn it back into the current zone); `{% site_datetime instant
location %}` formats it with the zone's label; `{{ session|session_zone }}` is the label of a
session's own times ("IST", "UTC+07:00"), shown next to its date and hours.
"""

from datetime import date, datetime

from django import template
from django.templatetags.tz import do_timezone
from django.utils.formats import date_format

from portal.models import Location
from portal.timezones import abbreviation, session_start, site_localtime, site_today, site_zone

register = template.Library()


@register.filter
def in_site_zone(value: datetime | None, location: Location | None) -> datetime | str:
    if not isinstance(value, datetime):
        return ""
    return do_timezone(value, site_zone(location))


@register.filter
def zone_label(value: datetime | None) -> str:
    """The zone label of an aware datetime (after `in_site_zone`)."""
    if not isinstance(value, datetime) or value.tzinfo is None:
        return ""
    return abbreviation(value)


@register.simple_tag
def site_datetime(value: datetime | None, location: Location | None, fmt: str = "Y-m-d H:i") -> str:
    """A stored instant at the site, with the zone's label: "2026-12-06 23:20 IST"."""
    local = site_localtime(value, location)
    if local is None:
        return ""
    return f"{date_format(do_timezone(local, local.tzinfo), fmt)} {abbreviation(local)}"


@register.filter
def session_zone(session) -> str:
    """The label of the zone a session's date and hours are in (its site's)."""
    if session is None or not getattr(session, "date", None):
        return ""
    return abbreviation(session_start(session.date, session.start_time, session.location))


@register.filter
def site_day(location: Location | None) -> date:
    """Today at the site: `{{ home.location|site_day|date:"Y-m-d" }}` (a form's default)."""
    return site_today(location)
