from dataclasses import dataclass

from django import template
from django.db.models.fields import BLANK_CHOICE_DASH
from django.forms import BaseForm, BoundField, ChoiceField, Field, Form, ModelChoiceField
from django.template.base import token_kwargs
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.labels import escaped_label

register = template.Library()

CHECK_WIDGETS = {"checkboxinput", "checkboxselectmultiple", "radioselect"}
# The empty choice of a select, in words and in the page's language, instead of Django's
# untranslated "---------" (which a screen reader reads out as dashes).
EMPTY_CHOICE = _("Choose…")
DJANGO_EMPTY_CHOICE = BLANK_CHOICE_DASH[0]


@register.filter
def widget_type(field: BoundField) -> str:
    return field.field.widget.__class__.__name__.lower()


@register.filter
def bootstrap_widget(field: BoundField) -> str:
    """The field's widget with Bootstrap classes and ARIA links to its help and errors."""
    kind = widget_type(field)
    css = (
        "form-check-input"
        if kind in CHECK_WIDGETS
        else "form-select"
        if "select" in kind
        else "form-control"
    )
    if field.errors:
        css += " is-invalid"
    if css == "form-select":
        _name_the_empty_choice(field.field)
    attrs = {"class": css}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_help")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


def _name_the_empty_choice(field: Field) -> None:
    """Django's "---------" as the empty choice of this form's field says `EMPTY_CHOICE`
    (the field is the form instance's own copy; another empty label is left as it is)."""
    if isinstance(field, ModelChoiceField):
        if _is_djangos_dashes(field.empty_label):
            field.empty_label = EMPTY_CHOICE
    elif isinstance(field, ChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] == "" and _is_djangos_dashes(choices[0][1]):
            field.choices = [("", EMPTY_CHOICE), *choices[1:]]


def _is_djangos_dashes(label: object) -> bool:
    # Django's dashes are a plain string: a lazy label (a filter's "Any status") is not
    # translated only to be compared with them.
    return isinstance(label, str) and label == DJANGO_EMPTY_CHOICE[1]


# Values that order a list rather than narrow it: not counted as active filters.
NOT_FILTERS = {"ordering", "o", "sort", "when", "csrfmiddlewaretoken", "page"}


@register.filter
def active_filters(form: Form) -> int:
    """How many of a filter form's fields hold a value (the badge on the "Filters" button)."""
    if not form.is_bound:
        return 0
    data = form.data
    return sum(
        1
        for name in form.fields
        if name not in NOT_FILTERS
        and any(
            str(value).strip()
            for value in (
                data.getlist(form.add_prefix(name))
                if hasattr(data, "getlist")
                else [data.get(form.add_prefix(name)) or ""]
            )
        )
    )


# A wide filter (a list's search box) takes the room of two on a tablet and a desktop.
WIDE_FILTER = " col-md-6 col-lg-4"


@register.simple_tag
def filter_fields(form: Form, columns: str, wide: str = "") -> SafeString:
    """A list's filter boxes, each in a grid column of the classes `columns` with its label,
    its widget (`bootstrap_widget`) and its errors; the field named `wide` twice as wide.

    Written here rather than by a template loop: the people list's nine filters took longer
    through the template engine (a lookup, a test or a filter per tag) than their widgets.
    """
    parts = []
    language = get_language()
    for field in form:
        width = WIDE_FILTER if field.name == wide else ""
        errors = ""
        if field.errors:
            errors = (
                f'<div class="invalid-feedback d-block" id="{conditional_escape(field.auto_id)}'
                f'_error">{" ".join(conditional_escape(error) for error in field.errors)}</div>'
            )
        parts.append(
            f'\n    <div class="{conditional_escape(columns)}{width}">\n'
            f'      <label class="form-label small" for="{conditional_escape(field.id_for_label)}">'
            f"{escaped_label(field.label, language)}</label>\n"
            f"      {bootstrap_widget(field)}\n      {errors}\n    </div>\n  "
        )
    # Every value in it was escaped (tests/portal/test_filter_fields.py).
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703


@register.simple_tag
def count_active(*values: object) -> int:
    """How many of the given filter values are set (lists whose filter form is hand-written)."""
    return sum(1 for value in values if value not in (None, "", [], ()))


@dataclass(frozen=True)
class Problem:
    anchor: str
    message: str


def _anchor(field: BoundField) -> str:
    """The id of the control to focus: the first box of a group of boxes or radio buttons."""
    if widget_type(field) in {"checkboxselectmultiple", "radioselect"}:
        return f"{field.auto_id}_0"
    return field.id_for_label or field.auto_id


def _with_label(label: object, error: object) -> str:
    """The error after its field's name; alone when the label is a sentence (a tick box's
    statement), which would read badly before it."""
    label = str(label or "").strip()
    if not label or label.endswith((".", "?", "!", "။")):
        return str(error)
    return f"{label}: {error}"


@register.simple_tag
def error_summary(*forms: object) -> list[Problem]:
    """Every error of the given forms, in page order, each linking to its field (GOV.UK's
    error summary): errors of the whole form link to the top of the form."""
    problems: list[Problem] = []
    for form in forms:
        if not isinstance(form, BaseForm) or not form.is_bound:
            continue
        for error in form.non_field_errors():
            problems.append(Problem("", str(error)))
        for field in form:
            for error in field.errors:
                if field.is_hidden:
                    problems.append(Problem("", str(error)))
                else:
                    problems.append(Problem(_anchor(field), _with_label(field.label, error)))
    return problems


class FilterPanelNode(template.Node):
    def __init__(self, nodelist: template.NodeList, kwargs: dict) -> None:
        self.nodelist = nodelist
        self.kwargs = kwargs

    def render(self, context: template.Context) -> str:
        values = {name: value.resolve(context) for name, value in self.kwargs.items()}
        panel = context.template.engine.get_template("includes/_filters.html")
        with context.push(**values, filter_fields=self.nodelist.render(context)):
            return panel.render(context)


@register.tag
def filterpanel(parser: template.base.Parser, token: template.base.Token) -> FilterPanelNode:
    """{% filterpanel active=count %}<form>…</form>{% endfilterpanel %}: a list's filters
    behind one "Filters" button with the number of active filters (includes/_filters.html)."""
    kwargs = token_kwargs(token.split_contents()[1:], parser)
    nodelist = parser.parse(("endfilterpanel",))
    parser.delete_first_token()
    return FilterPanelNode(nodelist, kwargs)


@register.filter
def any_errors(fields: list[BoundField]) -> bool:
    """Whether any of the fields has an error (a form step with one stays open)."""
    return any(field.errors for field in fields)
