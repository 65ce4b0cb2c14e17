"""The rows of the people list, built in Python.

The people list is the busiest page of the portal. Rendered by the template engine, its 50
rows took longer than their SQL (a variable lookup, a `{% url %}` and an `{% include %}` per
cell add up), so they are built here, as Django's admin builds its change list rows
(`admin_list.items_for_result`). Every value goes through `html.escape` (what Django's
`escape` does, without its lazy-string wrapper); labels are translated once per page and the
link is reversed once per page.
"""

from collections.abc import Iterable
from html import escape

from django import template
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from people import choices
from people.list_rows import PersonRow
from people.models import Flag
from portal.labels import escaped_label

register = template.Library()

NO_VALUE = "—"
_PLACEHOLDER = 987654321


class _Rows:
    """What every row shares, computed once per page: translated labels and the link."""

    def __init__(self) -> None:
        self.language = get_language()

    def _translated(self, labels: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Choice labels (code, label) in the page's language, escaped, by code."""
        return {code: escaped_label(label, self.language) for code, label in labels}

    @cached_property
    def link(self) -> tuple[str, str]:
        """The person page's URL around the id: reversed once, not once per row."""
        head, _, tail = reverse("people:detail", args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
        return head, tail

    @cached_property
    def column(self) -> dict[str, str]:
        """Each cell's `data-label` attribute: its column's heading, shown above the value
        when the rows are cards on a phone (`.table-cards` in portal.css)."""
        return {
            name: f' data-label="{escaped_label(label, self.language)}"'
            for name, label in (
                ("case_number", _("Case number")),
                ("name", _("Name")),
                ("site", _("Site")),
                ("status", _("Status")),
                ("exit", _("Exit")),
                ("case_worker", _("Case worker")),
                ("flags", _("Flags")),
            )
        }

    @cached_property
    def exit_labels(self) -> dict[str, str]:
        return self._translated(choices.CODE_LABELS.items())

    @cached_property
    def status_labels(self) -> dict[str, str]:
        return self._translated(choices.Status.choices)

    @cached_property
    def flag_labels(self) -> dict[str, str]:
        return self._translated(choices.FlagReason.choices)

    @staticmethod
    def label(labels: dict[str, str], code: str) -> str:
        return labels[code] if code in labels else escape(str(code))

    def flags(self, reasons: Iterable[str]) -> str:
        """The badges of open flags, by reason (urgent ones in red)."""
        return "".join(
            f'<span class="badge text-bg-'
            f"{'danger' if choices.is_urgent_flag(reason) else 'warning'}"
            f' me-1">{self.label(self.flag_labels, reason)}</span>'
            for reason in reasons
        )

    def row(self, person: PersonRow) -> str:
        name = escape(person.full_name)
        if person.name_my:
            name += f' <span lang="my">{escape(person.name_my)}</span>'
        if person.exit_type:
            exit_cell = " · ".join(
                (
                    self.label(self.exit_labels, person.exit_type),
                    self.label(self.exit_labels, person.affiliation),
                    person.exit_date.isoformat(),
                )
            )
        else:
            exit_cell = NO_VALUE
        worker = person.case_worker
        head, tail = self.link
        column = self.column
        flags = self.flags(person.open_flags)
        return (
            f'<tr><td{column["case_number"]}><a href="{head}{person.pk}{tail}">'
            f"{escape(person.case_number)}</a></td>"
            f"<td{column['name']}>{name}</td>"
            f"<td{column['site']}>{escape(person.site_code)}</td>"
            f"<td{column['status']}>{self.label(self.status_labels, person.status)}</td>"
            f"<td{column['exit']}>{exit_cell}</td>"
            f"<td{column['case_worker']}>"
            f"{escape(worker) if worker else NO_VALUE}</td>"
            # No flags: an empty cell, left out of the card.
            f"<td{column['flags'] if flags else ''}>{flags}</td></tr>"
        )


@register.simple_tag
def person_rows(people: Iterable[PersonRow]) -> SafeString:
    """One `<tr>` per row of `list_rows.read_list_rows`: case number (linked), names, site,
    status, latest exit, case worker and open flags."""
    rows = _Rows()
    html = "\n".join(rows.row(person) for person in people)
    # Every value in it went through html.escape (tests/people/test_person_list_rows.py).
    return mark_safe(html)  # noqa: S308  # nosec B308 B703


@register.simple_tag
def flags(flags: Iterable[Flag]) -> SafeString:
    """The badges of a person's open flags."""
    # The labels went through html.escape.
    return mark_safe(_Rows().flags(flag.reason for flag in flags))  # noqa: S308  # nosec B308 B703
