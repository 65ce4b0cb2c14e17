"""`QuickSelect` and `QuickTextInput` write exactly the HTML of Django's `Select` and
`TextInput`; a select's empty choice is named."""

import pytest
from django import forms
from django.urls import reverse

from portal.models import Location
from portal.templatetags.portal_forms import bootstrap_widget
from portal.widgets import QuickSelect, QuickTextInput

CHOICES = [
    ("", "---------"),
    ("a", "Plain"),
    ("b&c", 'Needs <escaping> & "quotes"'),
    ("Group", [("g1", "In a group"), ("g2", "Also")]),
    (3, "A number"),
    (None, "No value"),
    ("", [("in-unnamed", "In a group without a name"), (None, "None in a group")]),
    ("Repeated", [("a", "The same value again")]),
]


@pytest.mark.parametrize(
    "value", [None, "", "a", "b&c", "g2", "3", "None", "in-unnamed", ["a", "g1"], ["", "None"]]
)
@pytest.mark.parametrize(
    "attrs",
    [
        None,
        {"class": "form-select", "id": "id_x"},
        {"class": "form-select is-invalid", "aria-describedby": "id_x_error", "required": True},
        {"disabled": False, "data-note": 'a "quoted" <value>'},
    ],
)
@pytest.mark.parametrize("multiple", [False, True])
def test_same_html_as_django(value, attrs, multiple):
    quick_class, django_class = (
        (type("QuickMultiple", (QuickSelect,), {"allow_multiple_selected": True}), forms.SelectMultiple)
        if multiple
        else (QuickSelect, forms.Select)
    )  # fmt: skip
    quick, django = quick_class(choices=CHOICES), django_class(choices=CHOICES)
    assert quick.render("x", value, attrs) == django.render("x", value, attrs)


@pytest.mark.parametrize("value", [None, "", "plain", 'a "quoted" <value> & more', 0, 12.5])
@pytest.mark.parametrize(
    "widget_attrs", [None, {"type": "month", "placeholder": "YYYY-MM"}, {"maxlength": 10}]
)
@pytest.mark.parametrize(
    "attrs", [None, {"class": "form-control", "id": "id_q", "required": True, "disabled": False}]
)
def test_a_text_input_is_the_same_as_djangos(value, widget_attrs, attrs):
    quick, django = QuickTextInput(attrs=widget_attrs), forms.TextInput(attrs=widget_attrs)
    assert quick.render("q", value, attrs) == django.render("q", value, attrs)


def test_the_people_filters_render_as_djangos_would(mae_sot, monkeypatch):
    """The people list's whole filter form, bound to every kind of value, is the HTML that
    Django's own widgets write for the same form."""
    from people.filters import PersonFilter  # noqa: PLC0415

    data = {"q": 'Kyaw "<b>"', "status": "active", "exit_month": "2025-13", "ordering": "-name"}
    form = PersonFilter(data, locations=Location.objects.all()).form
    assert not form.is_valid()  # the month's error is shown with the boxes
    quick = {name: str(form[name]) for name in form.fields}
    monkeypatch.setattr(QuickSelect, "render", forms.Select.render)
    monkeypatch.setattr(QuickTextInput, "render", forms.TextInput.render)
    assert quick == {name: str(form[name]) for name in form.fields}
    assert 'value="Kyaw &quot;&lt;b&gt;&quot;"' in quick["q"] and "Mae Sot" in quick["location"]


def test_a_form_field_renders_the_same(settings):
    class Form(forms.Form):
        choice = forms.ChoiceField(choices=CHOICES[1:], widget=QuickSelect)

    class DjangoForm(forms.Form):
        choice = forms.ChoiceField(choices=CHOICES[1:])

    quick, django = Form({"choice": "zzz"}), DjangoForm({"choice": "zzz"})
    assert not quick.is_valid() and not django.is_valid()
    assert str(quick["choice"]) == str(django["choice"])


def test_a_selects_empty_choice_is_named_in_the_pages_language(
    client, signed_in, case_worker_mae_sot
):
    """Registration's selects (site, case worker, sex, region) offer "Choose…" in the
    user's language, not Django's "---------" (read out as dashes by a screen reader)."""
    signed_in(case_worker_mae_sot)
    page = client.get(reverse("people:create")).content.decode()
    assert "---------" not in page
    assert page.count(">Choose…</option>") >= 2
    client.cookies["django_language"] = "my"
    page = client.get(reverse("people:create")).content.decode()
    assert "---------" not in page and ">ရွေးပါ…</option>" in page


def test_another_empty_label_is_kept():
    class Form(forms.Form):
        worker = forms.ModelChoiceField(queryset=Location.objects.none(), empty_label="Anyone")
        kind = forms.ChoiceField(choices=[("", "Any kind"), ("a", "A")])

    form = Form()
    html = "".join(bootstrap_widget(form[name]) for name in ("worker", "kind"))
    assert ">Anyone</option>" in html and ">Any kind</option>" in html
