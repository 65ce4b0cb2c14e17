"""What changed between two versions of a report, in words a person reads ("3 more exits
recorded for August 2025 (15 instead of 12)"): counts per section, never a name.

Always called with the figures the reader may see (`selectors.shown_data`): admins compare
exact figures, analysts the protected ones, so that a change note never reveals more than
the two tables it compares."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reports.formatting import figure
from reports.templatetags.report_tags import label

# Not figures: the period's description, and what the disclosure layer keeps for itself.
NOT_FIGURES = frozenset({"kind", "period", "start", "end", "date", "cell_keys"})
EXAMPLES_PER_SECTION = 3


@dataclass(frozen=True)
class Change:
    section: str
    path: tuple[str, ...]  # below the section
    before: object
    after: object


def compare(before: dict, after: dict) -> list[Change]:
    """Every figure that differs, section by section, in the order of the newer version."""
    changes = []
    for section in list(after) + [key for key in before if key not in after]:
        if section in NOT_FIGURES or section.startswith("_"):
            continue
        for path, old, new in _leaves(before.get(section), after.get(section), ()):
            if old != new:
                changes.append(Change(section, path, old, new))
    return changes


def _leaves(old, new, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], object, object]]:
    if isinstance(old, dict) or isinstance(new, dict):
        old = old if isinstance(old, dict) else {}
        new = new if isinstance(new, dict) else {}
        for key in list(new) + [key for key in old if key not in new]:
            if key in NOT_FIGURES:
                continue
            yield from _leaves(old.get(key), new.get(key), (*path, str(key)))
        return
    if isinstance(old, bool) or isinstance(new, bool):
        return
    yield path, old, new


def _total(data: dict):
    try:
        return data["exits"]["total"]["total"]
    except (KeyError, TypeError):
        return None


def describe(before: dict | None, after: dict, period: str) -> list[str]:
    """Sentences for a change note; an empty list when no figure changed. `before` None: the
    first version."""
    if before is None:
        return [_("First version of this report.")]
    changes = compare(before, after)
    if not changes:
        return []
    lines = []
    old_total, new_total = _total(before), _total(after)
    if isinstance(old_total, int) and isinstance(new_total, int) and old_total != new_total:
        difference = new_total - old_total
        if difference > 0:
            text = ngettext(
                "%(count)s more exit recorded for %(period)s",
                "%(count)s more exits recorded for %(period)s",
                difference,
            )
        else:
            text = ngettext(
                "%(count)s fewer exit for %(period)s",
                "%(count)s fewer exits for %(period)s",
                -difference,
            )
        lines.append(
            text % {"count": figure(abs(difference)), "period": period}
            + " "
            + _("(%(new)s in all instead of %(old)s).")
            % {"new": figure(new_total), "old": figure(old_total)}
        )
    by_section: dict[str, list[Change]] = {}
    for change in changes:
        by_section.setdefault(change.section, []).append(change)
    for section, section_changes in by_section.items():
        examples = "; ".join(
            _("%(figure)s: %(new)s (was %(old)s)")
            % {
                "figure": _figure_name(section, change.path),
                "new": figure(change.after),
                "old": figure(change.before),
            }
            for change in _most_telling(section_changes)[:EXAMPLES_PER_SECTION]
        )
        count = len(section_changes)
        lines.append(
            ngettext(
                "%(section)s: %(count)s figure changed — %(examples)s.",
                "%(section)s: %(count)s figures changed — %(examples)s.",
                count,
            )
            % {"section": label(section), "count": figure(count), "examples": examples}
        )
    return lines


def _figure_name(section: str, path: tuple[str, ...]) -> str:
    """'Prisoners of war · Militia'; a grand total is simply 'Total'."""
    if not path:
        return str(label(section))
    if all(key == "total" for key in path):
        return str(label("total"))
    return " · ".join(str(label(key)) for key in path)


def _most_telling(changes: list[Change]) -> list[Change]:
    """Totals first, the grand total before them (a reader compares those), then the other
    figures in their order (the sort is stable)."""
    return sorted(changes, key=lambda change: -change.path.count("total"))
