from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people import choices, workflow
from people.burmese_input import ZawgyiFormMixin
from people.models import CaseNote, Exit, Feedback, Flag, FollowUp, Person, Referral
from portal.forms import VersionedFormMixin
from portal.models import Location, User
from portal.timezones import site_today

EARLIEST_EXIT = date(1988, 1, 1)
OLDEST_BIRTH_YEAR = 1930
YOUNGEST_AGE = 10


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _not_in_future(value: date | None, message) -> None:
    if value and value > timezone.localdate():
        raise forms.ValidationError(message)


class PersonForm(forms.ModelForm):
    approximate_age = forms.IntegerField(
        label=_("Approximate age"),
        required=False,
        min_value=YOUNGEST_AGE,
        max_value=100,
        help_text=_(
            "If the birth year is not known: the age now. The birth year is then estimated."
        ),
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=choices.Vulnerability.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Person
        fields = [
            "full_name", "preferred_name", "name_my", "reference", "sex", "birth_year",
            "approximate_age", "birth_year_estimated", "origin_region", "location", "status",
            "case_worker", "phone", "dependants", "vulnerabilities", "consent_date",
            "consent_storing", "consent_sharing", "consent_photos", "consent_withdrawn_on",
            "consent_notes",
        ]  # fmt: skip
        widgets = {
            "consent_date": _date_input(),
            "consent_withdrawn_on": _date_input(),
            "consent_notes": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        }

    def __init__(self, *args, locations, case_workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations.filter(active=True)
        self.fields["case_worker"].queryset = case_workers
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            # The status changes through the workflow (`StatusChangeForm`), not here.
            del self.fields["status"]
        else:
            self.fields["status"].choices = [
                (value, label)
                for value, label in choices.Status.choices
                if value in workflow.STARTING_STATES
            ]
            self.fields["status"].help_text = _(
                "A case starts as intake or active; later changes go through Change status."
            )

    def clean_birth_year(self):
        year = self.cleaned_data.get("birth_year")
        latest = timezone.localdate().year - YOUNGEST_AGE
        if year is not None and not OLDEST_BIRTH_YEAR <= year <= latest:
            raise forms.ValidationError(
                _("Enter a birth year between %(first)s and %(last)s.")
                % {"first": OLDEST_BIRTH_YEAR, "last": latest}
            )
        return year

    def clean(self):
        cleaned = super().clean()
        age = cleaned.get("approximate_age")
        if age is not None:
            if cleaned.get("birth_year"):
                self.add_error(
                    "approximate_age", _("Give either the birth year or the age, not both.")
                )
            else:
                cleaned["birth_year"] = timezone.localdate().year - age
                cleaned["birth_year_estimated"] = True
        consent_date, withdrawn = cleaned.get("consent_date"), cleaned.get("consent_withdrawn_on")
        for field in ("consent_date", "consent_withdrawn_on"):
            try:
                _not_in_future(cleaned.get(field), _("This date is in the future."))
            except forms.ValidationError as error:
                self.add_error(field, error)
        if consent_date and withdrawn and withdrawn < consent_date:
            self.add_error(
                "consent_withdrawn_on", _("Consent cannot be withdrawn before it was given.")
            )
        if (cleaned.get("consent_storing") or cleaned.get("consent_sharing")) and not consent_date:
            self.add_error("consent_date", _("Give the date consent was given."))
        return cleaned

    # The registration and edit pages show the fields in steps (issue 22); the exit comes
    # between the person and the consent on registration.
    STEPS = {
        "person": (
            "full_name", "preferred_name", "name_my", "reference", "sex", "birth_year",
            "approximate_age", "birth_year_estimated", "origin_region", "location", "status",
            "dependants", "vulnerabilities",
        ),
        "consent": (
            "consent_date", "consent_storing", "consent_sharing", "consent_photos",
            "consent_withdrawn_on", "consent_notes",
        ),
        "contact": ("phone", "case_worker"),
    }  # fmt: skip

    @property
    def steps(self) -> dict[str, list[forms.BoundField]]:
        """The visible fields of each step, by step name (fields left out are not shown)."""
        return {
            step: [self[name] for name in names if name in self.fields]
            for step, names in self.STEPS.items()
        }

    def person_values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name != "approximate_age" and name in self.fields
        }


class ExitForm(ZawgyiFormMixin, VersionedFormMixin, forms.ModelForm):
    reasons = forms.MultipleChoiceField(
        label=_("Reasons for leaving"),
        choices=choices.ExitReason.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Exit
        fields = [
            "exit_type", "affiliation", "exit_date", "place_township", "place_region",
            "receiving_group", "recruit_status", "forcibly_conscripted", "years_of_service",
            "rank", "unit", "reasons", "custody_status", "verification",
        ]  # fmt: skip
        widgets = {
            "exit_date": _date_input(),
            "receiving_group": forms.TextInput(attrs={"list": "receiving-groups"}),
            "unit": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "custody_status": _("Only for prisoners of war."),
            "verification": _(
                "Published statistics count verified exits (by a partner or by documents) "
                "apart from the others."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left out (an older page or client), it is what the organisation documented itself.
        self.fields["verification"].required = False

    def clean_exit_date(self):
        exit_date = self.cleaned_data["exit_date"]
        _not_in_future(exit_date, _("The exit date cannot be in the future."))
        if exit_date < EARLIEST_EXIT:
            raise forms.ValidationError(_("The exit date cannot be before 1988."))
        return exit_date

    def clean_years_of_service(self):
        years = self.cleaned_data.get("years_of_service")
        if years is not None and not 0 <= years <= 60:
            raise forms.ValidationError(_("Enter between 0 and 60 years."))
        return years

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("custody_status") and cleaned.get("exit_type") != choices.ExitType.POW:
            self.add_error("custody_status", _("Custody status applies to prisoners of war only."))
        return cleaned

    def exit_values(self) -> dict:
        """Cleaned values; an empty optional choice takes the model's default ("unknown")."""
        values = {}
        for name in self.Meta.fields:
            value = self.cleaned_data[name]
            default = Exit._meta.get_field(name).default
            if value in (None, "") and isinstance(default, str):
                value = default
            values[name] = value
        return values


class OptionalExitForm(ExitForm):
    """The exit part of the registration form: empty means 'not known yet'."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def is_empty(self) -> bool:
        return not any(self.cleaned_data.get(f) for f in ("exit_type", "affiliation", "exit_date"))

    def clean_exit_date(self):
        if not self.cleaned_data.get("exit_date"):
            return None
        return super().clean_exit_date()

    def clean(self):
        cleaned = super().clean()
        required = ("exit_type", "affiliation", "exit_date")
        given = [f for f in required if cleaned.get(f)]
        if given and len(given) < len(required):
            for field in required:
                if not cleaned.get(field) and field not in self.errors:
                    self.add_error(field, _("Needed when any part of the exit is given."))
        return cleaned


class DuplicateConfirmationForm(forms.Form):
    not_a_duplicate = forms.BooleanField(
        label=_("I checked: none of these is the same person. Register anyway."), required=False
    )


class NoteForm(ZawgyiFormMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = CaseNote
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}


class FollowUpForm(ZawgyiFormMixin, forms.ModelForm):
    class Meta:
        model = FollowUp
        fields = ["due_on", "assignee", "description"]
        widgets = {"due_on": _date_input()}

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


class TransferForm(ZawgyiFormMixin, forms.Form):
    """The transfer request: where to and why. A first valid POST shows the confirmation
    step (name, case number, from -> to, reason); only the confirmation's POST (with
    `confirmed`, not a field of this form: the form page never carries it) sends it."""

    to_location = forms.ModelChoiceField(label=_("To site"), queryset=Location.objects.none())
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        # A person may move to any active site, including one the case worker does not cover.
        self.fields["to_location"].queryset = Location.objects.filter(active=True).exclude(
            pk=person.location_id
        )


class AcceptTransferForm(VersionedFormMixin, forms.Form):
    new_case_worker = forms.ModelChoiceField(
        label=_("New case worker"), queryset=User.objects.none()
    )

    def __init__(self, *args, case_workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_case_worker"].queryset = case_workers


class DeclineTransferForm(ZawgyiFormMixin, VersionedFormMixin, forms.Form):
    decline_reason = forms.CharField(
        label=_("Why is the transfer declined?"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FlagForm(ZawgyiFormMixin, forms.ModelForm):
    class Meta:
        model = Flag
        fields = ["reason", "note"]


class ResolveFlagForm(ZawgyiFormMixin, VersionedFormMixin, forms.Form):
    resolution_note = forms.CharField(label=_("How was it resolved?"), max_length=300)


class ReferralForm(ZawgyiFormMixin, forms.ModelForm):
    override_reason = forms.CharField(
        label=_("Reason to refer without consent (admins only)"),
        max_length=300,
        required=False,
        help_text=_("Needed only when the person has not consented to sharing with partners."),
    )

    class Meta:
        model = Referral
        fields = ["partner", "service", "referred_on"]
        widgets = {"referred_on": _date_input()}

    def __init__(self, *args, partners, can_override: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        self.fields["referred_on"].initial = timezone.localdate()
        if not can_override:
            del self.fields["override_reason"]


class ReferralUpdateForm(ZawgyiFormMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["status", "outcome_note"]


class FeedbackForm(ZawgyiFormMixin, VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Feedback
        fields = [
            "received_on", "channel", "category", "about_staff", "text", "status", "response",
            "closed_on",
        ]  # fmt: skip
        widgets = {
            "received_on": _date_input(),
            "closed_on": _date_input(),
            "text": forms.Textarea(attrs={"rows": 3}),
            "response": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "about_staff": _(
                "A complaint about a staff member, and any safeguarding concern, is "
                "confidential: only admins can read it once saved."
            ),
        }

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["about_staff"]
        field.queryset = staff
        field.label_from_instance = lambda user: user.get_short_name()

    def clean(self):
        cleaned = super().clean()
        received, closed = cleaned.get("received_on"), cleaned.get("closed_on")
        if received:
            try:
                _not_in_future(received, _("This date is in the future."))
            except forms.ValidationError as error:
                self.add_error("received_on", error)
        if received and closed and closed < received:
            self.add_error("closed_on", _("It cannot be closed before it was received."))
        return cleaned


class _StatusField(forms.ChoiceField):
    """Offers the allowed next statuses; accepts any known one, so that a refused change is
    explained by the workflow's own message (from the service), not "not a valid choice"."""

    def valid_value(self, value) -> bool:
        return value in choices.Status.values


class StatusChangeForm(VersionedFormMixin, forms.Form):
    """A step of the case status workflow (`people.workflow`); the service checks it."""

    to_status = _StatusField(label=_("New status"), choices=())
    closing_reason = forms.ChoiceField(
        label=_("Closing reason"),
        choices=[("", "—"), *[(r.value, r.label) for r in workflow.CHOSEN_CLOSING_REASONS]],
        required=False,
        help_text=_("Needed when closing the case."),
    )
    note = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when reopening a case, or with the closing reason Other."),
    )
    changed_on = forms.DateField(label=_("Date"), widget=_date_input())

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, record=person, **kwargs)
        labels = dict(choices.Status.choices)
        self.fields["to_status"].choices = [
            (status, labels[status]) for status in workflow.allowed_next(person.status)
        ]
        self.fields["changed_on"].initial = site_today(person.location)

    def clean_changed_on(self):
        value = self.cleaned_data["changed_on"]
        _not_in_future(value, _("The date cannot be in the future."))
        return value


class MergeForm(forms.Form):
    keep = forms.ChoiceField(label=_("Keep which record?"), widget=forms.RadioSelect)

    def __init__(self, *args, first: Person, second: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(str(p.pk), p.case_number) for p in (first, second)]
