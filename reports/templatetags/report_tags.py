from django import template
from django.utils.translation import gettext_lazy as _

from people.choices import CODE_LABELS
from portal.timezones import reporting_zone
from reports import formatting

register = template.Library()

LABELS = {
    **CODE_LABELS,
    "total": _("Total"),
    "under_18": _("under 18"),
    "18_24": "18–24",
    "25_34": "25–34",
    "35_44": "35–44",
    "45_plus": _("45 and over"),
    "small_business": _("Started a small business"),
    "employed": _("Employed"),
    "still_looking": _("Still looking"),
    "other": _("Other"),
    "none": _("None"),
    # Sections and their figures
    "exits": _("Exits by type and affiliation"),
    "by_month": _("Exits per month"),
    "recruits": _("Recruit status"),
    "by_recruit_status": _("By recruit status"),
    "new_recruit_share": _("Share of new recruits"),
    "by_site": _("By site"),
    "by_sex_and_age": _("Exits by sex and age at exit"),
    "training": _("Training"),
    "sessions_held": _("Sessions held"),
    "sessions_cancelled": _("Sessions cancelled"),
    "people_trained": _("People trained"),
    "attendance_rate": _("Attendance rate"),
    "sessions": _("Sessions"),
    "attendees": _("Attendees"),
    "attendees_per_session": _("Attendees per session"),
    "completions": _("Completions"),
    "livelihood_outcomes": _("Livelihood outcomes"),
    "earning_a_living": _("Earning a living after training"),
    "assistance": _("Assistance"),
    "distributions": _("Distributions"),
    "people_reached": _("People reached"),
    "people": _("People"),
    "by_type": _("By type"),
    "by_partner": _("By partner"),
    "cash_by_currency": _("Cash by currency"),
    "safe_homes": _("Safe homes"),
    "residents": _("Residents"),
    "homes": _("Homes"),
    "places": _("Places"),
    "date": _("Date"),
    "verified": _("Verified"),
    "unverified": _("Not verified"),
}


@register.filter
def label(code) -> str:
    """The human label of a code of a report; a month key reads as its month; an unknown
    code with underscores is spelt out ("self_reported" → "Self reported"), so that no raw
    code reaches a reader. Site codes and names (assistance types, partners) stay as they are."""
    if code in LABELS:
        return LABELS[code]
    text = str(code)
    if formatting.MONTH_KEY.fullmatch(text):
        return formatting.month_name(text)
    return text.replace("_", " ").capitalize() if "_" in text else text


@register.filter
def figure(value) -> str:
    """A count or amount with thousands separators ("<5" and the like unchanged)."""
    return formatting.figure(value)


@register.filter
def cell(mapping, key):
    if not isinstance(mapping, dict):
        return ""
    return mapping.get(key, "")


@register.filter
def percent(value) -> str:
    return f"{round(value * 100)} %" if isinstance(value, float) else "—"


@register.filter
def month(key) -> str:
    return formatting.month_name(str(key))


@register.filter
def columns(table) -> list:
    return list(next(iter(table.values())).keys()) if table else []


@register.simple_tag
def reporting_zone_name() -> str:
    """The zone statistics count months and days in (`STATISTICS_TIME_ZONE`)."""
    return str(reporting_zone())
