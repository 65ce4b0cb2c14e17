"""`{% filter_fields %}` writes a list's filter boxes as the template loop it replaced did,
character for character, with every label, value and error escaped."""

import pytest
from django import forms
from django.template import Context, Template

LOOP = Template(
    "{% load portal_forms %}"
    "{% for field in form %}\n"
    '    <div class="col-12 col-sm-6 col-md-3 col-lg-2'
    "{% if field.name == 'q' %} col-md-6 col-lg-4{% endif %}\">\n"
    '      <label class="form-label small" for="{{ field.id_for_label }}">'
    "{{ field.label }}</label>\n"
    "      {{ field|bootstrap_widget }}\n"
    '      {% if field.errors %}<div class="invalid-feedback d-block" '
    'id="{{ field.auto_id }}_error">{{ field.errors|join:" " }}</div>{% endif %}\n'
    "    </div>\n"
    "  {% endfor %}"
)
TAG = Template(
    '{% load portal_forms %}{% filter_fields form "col-12 col-sm-6 col-md-3 col-lg-2" wide="q" %}'
)


def _refuse(value):
    if value:
        raise forms.ValidationError("Not <%(value)s> & not that", params={"value": value})


class Filters(forms.Form):
    q = forms.CharField(label="Search <names>", required=False)
    kind = forms.ChoiceField(
        label='Kind "of" & such', choices=[("", "Any"), ("a", "<A>")], required=False
    )
    month = forms.CharField(label="Month", required=False, validators=[_refuse])


@pytest.mark.parametrize(
    "data",
    [None, {}, {"q": '<script>"x"</script>', "kind": "a"}, {"kind": "zz", "month": "<b>"}],
)
def test_the_same_html_as_the_template_loop(data):
    form = Filters(data) if data is not None else Filters()
    html = TAG.render(Context({"form": form}))
    assert html == LOOP.render(Context({"form": form}))
    assert "<script>" not in html and "<b>" not in html and "<A>" not in html


def test_errors_are_shown_and_linked():
    html = TAG.render(Context({"form": Filters({"kind": "zz", "month": "x"})}))
    assert 'id="id_month_error">Not &lt;x&gt; &amp; not that</div>' in html
    assert 'aria-describedby="id_kind_error"' in html
    assert html.count('class="col-12 col-sm-6 col-md-3 col-lg-2 col-md-6 col-lg-4"') == 1
