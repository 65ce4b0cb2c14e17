"""The article-style sentence of a report, e.g. "In August 2025, 1,945 soldiers, 30 police
officers and 64 militia members defected, 157 soldiers surrendered, …": the period with its
month named in the reader's language (`formatting.period_phrase`), figures with thousands
separators, nouns in the plural the figure needs."""

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from reports.formatting import figure

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
    return figure(value)


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    # Punctuation is translated too: Burmese separates with "၊" and ends with "။".
    separator = pgettext("between items of a list", ", ")
    return _("%(first)s and %(last)s") % {"first": separator.join(parts[:-1]), "last": parts[-1]}


def _plural_count(value) -> int:
    """The number that chooses a noun's plural: a protected "<5" reads as a plural, no
    value as zero."""
    if isinstance(value, str):
        return 5
    return int(value or 0)


def sentence(data: dict, period_label: str) -> str:
    """One sentence from a report's (possibly protected) data; zero counts are left out.
    `period_label` starts the sentence: "In August 2025" (`formatting.period_phrase`)."""
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


def assistance_sentence(assistance: dict) -> str:
    """'12 distributions reached 1 person.', with each noun in the plural its figure needs."""
    distributions = assistance.get("distributions", 0)
    people = assistance.get("people_reached", 0)
    reached = ngettext(
        "reached %(count)s person", "reached %(count)s people", _plural_count(people)
    )
    text = ngettext(
        "%(count)s distribution %(reached)s",
        "%(count)s distributions %(reached)s",
        _plural_count(distributions),
    )
    return text % {
        "count": _count(distributions),
        "reached": reached % {"count": _count(people)},
    } + pgettext("end of a sentence", ".")


def safe_homes_sentence(safe_homes: dict, on: str) -> str:
    """'3 residents on 31 August 2025.'"""
    residents = safe_homes.get("residents", 0)
    return ngettext(
        "%(count)s resident on %(date)s.",
        "%(count)s residents on %(date)s.",
        _plural_count(residents),
    ) % {"count": _count(residents), "date": on}
