"""`QuickSelect` writes exactly the HTML of Django's `Select`; a select's empty choice is named."""

import pytest
from django import forms
from django.urls import reverse

from portal.models import Location
from portal.templatetags.portal_forms import bootstrap_widget
from portal.widgets import QuickSelect

CHOICES = [
    ("", "---------"),
    ("a", "Plain"),
    ("b&c", 'Needs <escaping> & "quotes"'),
    ("Group", [("g1", "In a group"), ("g2", "Also")]),
    (3, "A number"),
]


@pytest.mark.parametrize("value", [None, "", "a", "b&c", "g2", "3", ["a", "g1"]])
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
