"""Each site's time zone (issue 22): one place that answers "what day and time is it there".

A session's `date` and `start_time` are wall-clock values at its site; a stored instant
(`marked_at`, `changed_at`) is UTC. Screens, services and the API read "today" and local
times through these helpers with the record's site, so that Mae Sot (UTC+7) and New Delhi
(UTC+5:30) are not run on Yangon's clock. Statistics keep one reporting zone instead
(`reporting_zone`), so that a month is the same month for every site.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from portal.models import Location


def site_zone(location: Location | None) -> ZoneInfo:
    """The site's zone; without a site (or with a name no longer known), the server's."""
    name = getattr(location, "time_zone", "") or settings.TIME_ZONE
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # a zone removed from tzdata since it was chosen
        return ZoneInfo(settings.TIME_ZONE)


def site_now(location: Location | None, now: datetime | None = None) -> datetime:
    return (now or timezone.now()).astimezone(site_zone(location))


def site_today(location: Location | None, now: datetime | None = None) -> date:
    """The date at the site now: a session at New Delhi at 23:50 Yangon time is still on
    the previous day there (23:20)."""
    return site_now(location, now).date()


def site_localtime(value: datetime | None, location: Location | None) -> datetime | None:
    """A stored instant as the site's wall-clock time (None stays None)."""
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value.astimezone(site_zone(location))


def abbreviation(value: datetime) -> str:
    """The zone's short name at that instant: "IST" for Kolkata; where tzdata has no letters
    (Yangon's "+0630", Bangkok's "+07"), the offset as "UTC+06:30"."""
    name = value.strftime("%Z")
    if name and name[0] not in "+-":
        return name
    offset = value.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def session_start(session_date: date, start: time, location: Location | None) -> datetime:
    """A session's start as an instant: its date and time are wall-clock values at its site."""
    return datetime.combine(session_date, start, tzinfo=site_zone(location))


def reporting_zone() -> ZoneInfo:
    """The one zone of statistics: month boundaries of every report (`STATISTICS_TIME_ZONE`)."""
    return ZoneInfo(settings.STATISTICS_TIME_ZONE)


def reporting_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(reporting_zone()).date()


def zones_in_use() -> list[str]:
    """The zones of every site (one query): a handful of names."""
    return sorted(set(Location.objects.values_list("time_zone", flat=True)))


def latest_site_today(now: datetime | None = None) -> date:
    """The latest "today" among the sites' zones: a form that does not know the site yet
    refuses only dates in the future everywhere; its service then checks the site's own day."""
    moment = now or timezone.now()
    zones = zones_in_use() or [settings.TIME_ZONE]
    return max(_today_in(name, moment) for name in zones)


def _today_in(name: str, moment: datetime) -> date:
    try:
        return moment.astimezone(ZoneInfo(name)).date()
    except (ValueError, KeyError):  # a zone removed from tzdata since it was chosen
        return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def by_site_day(
    compare: Callable[[date], Q],
    zone_field: str = "location__time_zone",
    *,
    zones: Iterable[str] | None = None,
    now: datetime | None = None,
) -> Q:
    """A filter that compares each row with the day at its own site: `compare(today)` is the
    condition for the rows whose site's today is `today` (for example
    `lambda today: Q(date__gte=today)` for upcoming sessions). Zones that share a date are
    grouped, so the filter has one branch per distinct date (at most three at any instant)."""
    moment = now or timezone.now()
    by_date: dict[date, list[str]] = {}
    for name in zones if zones is not None else zones_in_use():
        by_date.setdefault(_today_in(name, moment), []).append(name)
    condition = Q(pk__in=[])
    for today, names in sorted(by_date.items()):
        condition |= Q(**{f"{zone_field}__in": names}) & compare(today)
    return condition
