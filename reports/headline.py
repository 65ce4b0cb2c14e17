"""The article-style sentence of a report, e.g. "In 2025, 945 soldiers, 30 police officers and
64 militia members defected, 157 soldiers surrendered, …"."""

from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

AFFILIATION_NOUNS = {
    "soldier": lambda n: ngettext("%(count)s soldier", "%(count)s soldiers", n),
    "police": lambda n: ngettext("%(count)s police officer", "%(count)s police officers", n),
    "militia": lambda n: ngettext("%(count)s militia member", "%(count)s militia members", n),
}
VERBS = {
    "defected": lambda: _("defected"),
    "surrendered": lambda: _("surrendered"),
    "pow": lambda: _("were taken as prisoners of war"),
}


def _count(value) -> str:
    if value is None:
        return "—"  # withheld
    return value if isinstance(value, str) else number_format(value, force_grouping=True)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    # Punctuation is translated too: Burmese separates with "၊" and ends with "။".
    separator = pgettext("between items of a list", ", ")
    return _("%(first)s and %(last)s") % {"first": separator.join(parts[:-1]), "last": parts[-1]}


def _plural_count(value) -> int:
    return value if isinstance(value, int) else 5  # a withheld figure reads as a plural


def sentence(data: dict, period_label: str) -> str:
    """One sentence from a report's data (exact for admins, else as published by
    `reports.disclosure`); zero counts are left out."""
    exits = data["exits"]
    if exits["total"]["total"] is None:  # stored before cell keys: withheld until rebuilt
        return _("%(period)s: the figures are withheld until the report is rebuilt.") % {
            "period": period_label
        }
    clauses = []
    for exit_type, verb in VERBS.items():
        row = exits[exit_type]
        nouns = [
            noun(_plural_count(row[aff])) % {"count": _count(row[aff])}
            for aff, noun in AFFILIATION_NOUNS.items()
            if row.get(aff) not in (0, None)
        ]
        if nouns:
            clauses.append(f"{_join(nouns)} {verb()}")
    if not clauses:
        return _("%(period)s: no exits were recorded.") % {"period": period_label}
    text = _("%(period)s, %(clauses)s — %(total)s in all") % {
        "period": period_label,
        "clauses": _join(clauses),
        "total": _count(exits["total"]["total"]),
    }
    verified = data.get("verification", {}).get("total", {}).get("verified")
    if isinstance(verified, int) and verified > 0:
        # Exits verified by a partner or by documents (people.choices.VERIFIED_EXITS).
        text += _(", of which %(count)s verified") % {"count": _count(verified)}
    share = data.get("recruits", {}).get("new_recruit_share")
    if isinstance(share, float):
        text += _("; about %(percent)s %% were new recruits") % {"percent": round(share * 100)}
    months = {m: row["defected"] for m, row in data.get("by_month", {}).items() if m != "total"}
    numeric = {m: v for m, v in months.items() if isinstance(v, int) and v > 0}
    if len(months) > 1 and numeric:
        top = max(numeric, key=numeric.get)
        year, month = (int(part) for part in top.split("-"))
        text += _("; the most defections were in %(month)s (%(count)s)") % {
            "month": date_format(date(year, month, 1), "F"),
            "count": _count(numeric[top]),
        }
    return text + pgettext("end of a sentence", ".")
