"""The shared list pattern (issue 22): the "Filters" panel with the number of active filters,
and the error summary of forms (`portal_forms`)."""

from django import forms
from django.http import QueryDict
from django.template import Context, Template

from portal.templatetags.portal_forms import active_filters, count_active, error_summary


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False)
    site = forms.ChoiceField(label="Site", choices=[("", "Any site"), ("1", "One")], required=False)
    ordering = forms.CharField(required=False)
    agree = forms.BooleanField(label="I agree.", required=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=True)
    kinds = forms.MultipleChoiceField(
        label="Kinds", choices=[("a", "A")], widget=forms.CheckboxSelectMultiple, required=True
    )


def test_active_filters_counts_fields_with_a_value_but_not_the_sort_order():
    assert active_filters(SearchForm()) == 0
    assert active_filters(SearchForm(QueryDict("q=&site=&ordering=name"))) == 0
    assert active_filters(SearchForm(QueryDict("q=aung&site=1&ordering=name&page=2"))) == 2
    assert active_filters(SearchForm({"q": " ", "site": "1"})) == 1


def test_count_active_counts_the_values_that_are_set():
    assert count_active(None, "", 0, 3, "x") == 3  # 0 is a set value (an id or a quantity)


def test_the_filter_panel_shows_the_count_and_is_open_without_javascript():
    template = Template(
        "{% load portal_forms %}{% filterpanel active=n %}<form id=f></form>{% endfilterpanel %}"
    )
    html = template.render(Context({"n": 2}))
    assert "<details" in html and " open " in html and "data-phone-closed" in html
    assert "2 active" in html and "<form id=f></form>" in html
    assert (
        "active"
        not in template.render(Context({"n": 0})).split("</summary>")[0].split("Filters")[1]
    )


def test_error_summary_links_each_error_to_its_control():
    form = SearchForm(QueryDict(""))
    problems = error_summary(form, None, "")
    anchors = {problem.anchor: problem.message for problem in problems}
    # A sentence-like label (a tick box's statement) is left out before the error.
    assert anchors["id_agree"] == "This field is required."
    # A group of boxes links to its first box.
    assert anchors["id_kinds_0"] == "Kinds: This field is required."
    # A hidden field's error cannot be focused: shown without a link.
    assert anchors[""] == "This field is required."
    assert error_summary(SearchForm()) == []  # not bound: no errors yet
