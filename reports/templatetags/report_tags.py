from django import template
from django.utils.translation import gettext_lazy as _

from people.choices import CODE_LABELS

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
    "verified": _("Verified"),
    "unverified": _("Not verified"),
}


@register.filter
def label(code) -> str:
    return LABELS.get(code, code)


@register.filter
def cell(mapping, key):
    if not isinstance(mapping, dict):
        return ""
    return mapping.get(key, "")


@register.filter
def percent(value) -> str:
    return f"{round(value * 100)} %" if isinstance(value, float) else "—"


@register.filter
def columns(table) -> list:
    return list(next(iter(table.values())).keys()) if table else []
