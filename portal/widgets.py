"""Form widgets that write Django's HTML in Python, for the menus and boxes of busy pages.

Django renders each widget through the template engine, and each option of a menu through
two more template includes: the people list's filter form (seven menus and two text boxes)
cost more than the query of its page. These widgets write the same HTML, character for
character (tests/portal/test_widgets.py compares them with Django's), without templates.
"""

from html import escape

from django import forms
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from portal.labels import escaped_label


def _attrs(attrs: dict) -> str:
    # As Django's "django/forms/widgets/attrs.html": in order, `True` as a bare name, `False`
    # left out.
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _option(value: object, label: object, selected: bool, language: str | None) -> str:
    # Django's option template ends with a newline, hence the blank lines between options.
    return (
        f'\n  <option value="{escape(str(value))}"{" selected" if selected else ""}>'
        f"{escaped_label(label, language)}</option>\n"
    )


class QuickSelect(forms.Select):
    """A `<select>` that writes the same HTML as Django's, built in Python.

    Django builds a dictionary per option (`optgroups`) and renders each through two template
    includes: a sort menu of 11 options took 1.1 ms. This reads the choices once and writes
    each option as it goes, with Django's rules: the options whose value is among the
    widget's values are selected, only the first of them unless the menu takes several.
    """

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        values = self.format_value(value)
        several = self.allow_multiple_selected
        has_selected = False
        language = get_language()
        parts = [f'<select name="{escape(name)}"{_attrs(attrs)}>']
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, list | tuple)
            # Django's template writes the group's tag only for a group with a name.
            group_name = option_value if grouped else None
            if group_name:
                parts.append(f'\n  <optgroup label="{escape(str(group_name))}">')
            for sub_value, sub_label in (
                option_label if grouped else ((option_value, option_label),)
            ):
                selected = (several or not has_selected) and str(sub_value) in values
                has_selected |= selected
                parts.append(_option(sub_value, sub_label, selected, language))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        # Every value went through html.escape (tests/portal/test_widgets.py).
        return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


class QuickTextInput(forms.TextInput):
    """A text `<input>` (or another type, given as `attrs={"type": ...}`) that writes the same
    HTML as Django's `TextInput`, built in Python."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        value = self.format_value(value)
        shown = "" if value is None else f' value="{escape(str(value))}"'
        attrs = _attrs(self.build_attrs(self.attrs, attrs))
        html = f'<input type="{escape(self.input_type)}" name="{escape(name)}"{shown}{attrs}>'
        # Every value went through html.escape (tests/portal/test_widgets.py).
        return mark_safe(html)  # noqa: S308  # nosec B308 B703
