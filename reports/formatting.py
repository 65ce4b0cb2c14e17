"""How figures and periods read in every format (dashboard, headline, PDF, change notes):
numbers with thousands separators in the page's language, periods with translated month
names ("August 2025", Burmese "ဩဂုတ် 2025")."""

from __future__ import annotations

import re
from datetime import date

from django.utils import numberformat
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _

MONTH_KEY = re.compile(r"(\d{4})-(\d{2})")


def figure(value, decimals: int | None = None) -> str:
    """A number as people read it: 53,400 (also in Burmese, whose locale groups no digits by
    default); text such as a protected count passes unchanged; no value is a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and decimals is None:
        decimals = 0 if value.is_integer() else 2
    return numberformat.format(
        value,
        get_format("DECIMAL_SEPARATOR"),
        decimal_pos=decimals,
        grouping=get_format("NUMBER_GROUPING") or 3,
        thousand_sep=get_format("THOUSAND_SEPARATOR") or ",",
        force_grouping=True,
    )


def month_name(key: str) -> str:
    """'2025-08' as 'August 2025' in the active language; other keys unchanged."""
    match = MONTH_KEY.fullmatch(key or "")
    if not match:
        return key
    return date_format(date(int(match[1]), int(match[2]), 1), "YEAR_MONTH_FORMAT")


def period_name(kind: str, key: str) -> str:
    """'August 2025', '2025' or 'since 27 October 2023'."""
    if kind == "since_1027":
        return _("since 27 October 2023")
    return month_name(key) if kind == "monthly" else key


def period_phrase(kind: str, key: str) -> str:
    """The start of the headline: 'In August 2025', 'In 2025', 'Since 27 October 2023'."""
    if kind == "since_1027":
        return _("Since 27 October 2023")
    return _("In %(period)s") % {"period": period_name(kind, key)}
