from django import template
from django.forms import BoundField

register = template.Library()

CHECK_WIDGETS = {"checkboxinput", "checkboxselectmultiple", "radioselect"}


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
