from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import Report
from reports.periods import PeriodError, parse


class PeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=Report.Kind.choices)
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1988, max_value=2100)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        key = {"monthly": cleaned.get("month") or "", "annual": str(cleaned.get("year") or "")}.get(
            kind, ""
        )
        try:
            cleaned["period"] = parse(kind, key) if kind else None
        except PeriodError as error:
            raise forms.ValidationError(str(error)) from error
        return cleaned
