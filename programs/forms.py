from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from people.burmese_input import ZawgyiFormMixin
from people.models import Partner, Person
from portal.forms import VersionedFormMixin
from portal.models import Location, User
from portal.timezones import latest_site_today
from programs.models import (
    AssistanceType,
    Attendance,
    Course,
    Enrolment,
    LivelihoodOutcome,
    SafeHome,
    TrainingSession,
)
from programs.selectors import RosterRow


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.case_number} — {obj.display_name}"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.case_number} — {obj.display_name}"


class TrainerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_short_name()


class LocationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Location) -> str:
        return f"{obj.code} — {obj.name}"


class SessionForm(VersionedFormMixin, forms.ModelForm):
    location = LocationChoiceField(label=_("Site"), queryset=Location.objects.none())
    trainer = TrainerChoiceField(label=_("Trainer"), queryset=User.objects.none())

    class Meta:
        model = TrainingSession
        fields = ["course", "date", "start_time", "end_time", "location", "trainer", "capacity",
                  "status"]  # fmt: skip
        widgets = {
            "date": _date_input(),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, courses, locations, trainers, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The course of an existing session stays valid even if it is no longer offered.
            courses = courses | Course.objects.filter(pk=self.instance.course_id)
        self.fields["course"].queryset = courses
        self.fields["location"].queryset = locations
        self.fields["trainer"].queryset = trainers
        if self.instance.pk is None:
            del self.fields["status"]


class ChoosesPeople:
    """A form whose `people` field (a `PeopleChoiceField`) may choose among tens of thousands
    of people: the posted ids are checked against all of them (`choose_among`, one query),
    but only the bounded list given to `offer()` is shown as checkboxes, so that someone found
    by a search can be posted from any page of results."""

    fields: dict[str, forms.Field]

    def choose_among(self, people: QuerySet[Person]) -> None:
        field = self.fields["people"]
        field.queryset = people
        # Rendering must never list the whole queryset.
        field.widget.choices = []

    def offer(self, candidates: Iterable[Person]) -> None:
        """Show `candidates` as checkboxes, after the people already ticked in a posted form
        that is shown again, so that no choice is lost."""
        field = self.fields["people"]
        chosen = self.chosen()
        chosen_pks = {person.pk for person in chosen}
        shown = [*chosen, *(person for person in candidates if person.pk not in chosen_pks)]
        field.widget.choices = [(person.pk, field.label_from_instance(person)) for person in shown]

    def chosen(self) -> list[Person]:
        """The posted people who may be chosen: those validated, or (after a field error)
        those among the posted ids that are still valid, in one query."""
        if not self.is_bound:
            return []
        cleaned = getattr(self, "cleaned_data", {})
        if "people" in cleaned:
            return list(cleaned["people"])
        field = self.fields["people"]
        posted = field.widget.value_from_datadict(self.data, self.files, self.add_prefix("people"))
        ids = [value for value in posted or [] if str(value).isdigit()]
        return list(field.queryset.filter(pk__in=ids)) if ids else []


class EnrolForm(ChoosesPeople, forms.Form):
    people = PeopleChoiceField(label=_("People to enrol"), queryset=Person.objects.none())

    def __init__(self, *args, people: QuerySet[Person], **kwargs):
        super().__init__(*args, **kwargs)
        self.choose_among(people)


class EnrolmentStatusForm(VersionedFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Enrolment.Status.choices)


class RosterForm(forms.Form):
    """One radio group per participant, named by person id; unmarked rows are left alone."""

    def __init__(self, *args, rows: list[RosterRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            self.fields[self.field_name(row.person_id)] = forms.ChoiceField(
                label=row.label,
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                required=False,
                initial=row.status or None,
            )

    @staticmethod
    def field_name(person_id: int) -> str:
        return f"attendance-{person_id}"

    @classmethod
    def parse(cls, data) -> dict[int, str]:
        """{person id: status} from a posted roster, without reading the roster first: the
        service checks that each id is a participant and each status is known."""
        marks = {}
        for name, value in data.items():
            prefix, _sep, person_id = name.partition("-")
            if prefix == "attendance" and person_id.isdigit() and value:
                marks[int(person_id)] = value
        return marks

    def entries(self):
        """(row, bound field) pairs for the template."""
        return [(row, self[self.field_name(row.person_id)]) for row in self.rows]


class OutcomeForm(ZawgyiFormMixin, forms.ModelForm):
    class Meta:
        model = LivelihoodOutcome
        fields = ["recorded_on", "enrolment", "outcome", "business_kind", "income_band", "notes"]
        widgets = {"recorded_on": _date_input()}

    def __init__(self, *args, enrolments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].queryset = enrolments
        self.fields["enrolment"].label_from_instance = lambda e: (
            f"{e.session.course} — {e.session.date:%Y-%m-%d}"
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("outcome") == LivelihoodOutcome.Outcome.SMALL_BUSINESS
            and not (cleaned.get("business_kind") or "").strip()
        ):
            self.add_error("business_kind", _("Say what kind of business it is."))
        return cleaned


class DistributionForm(ChoosesPeople, forms.Form):
    """One type of assistance for one person, or for many (bulk) when `people`, everyone who
    may receive it, is given; the bulk view then `offer()`s a bounded list of them."""

    assistance_type = forms.ModelChoiceField(
        label=_("Assistance"), queryset=AssistanceType.objects.none()
    )
    quantity = forms.DecimalField(
        label=_("Quantity (each person)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        initial=1,
        help_text=_("In the type's unit; for cash, the amount in its currency."),
    )
    distributed_on = forms.DateField(
        label=_("Date"), initial=timezone.localdate, widget=_date_input()
    )
    partner = forms.ModelChoiceField(
        label=_("With partner organisation"), queryset=Partner.objects.none(), required=False
    )

    def __init__(
        self, *args, assistance_types, partners, people: QuerySet[Person] | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.fields["assistance_type"].queryset = assistance_types
        self.fields["assistance_type"].label_from_instance = lambda t: t.choice_label
        self.fields["partner"].queryset = partners
        if people is not None:
            self.fields["people"] = PeopleChoiceField(
                label=_("Recipients"), queryset=Person.objects.none()
            )
            self.choose_among(people)

    def clean_distributed_on(self):
        value = self.cleaned_data["distributed_on"]
        # The site is chosen with the people: the service checks the date against its day.
        if value > latest_site_today():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value


class SiteChoiceForm(forms.Form):
    """Which site's people a bulk form lists (a GET form)."""

    location = LocationChoiceField(label=_("Site"), queryset=Location.objects.none())

    def __init__(self, *args, locations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations


class CheckInForm(ZawgyiFormMixin, forms.Form):
    home = forms.ModelChoiceField(label=_("Safe home"), queryset=SafeHome.objects.none())
    person = PersonChoiceField(label=_("Person"), queryset=Person.objects.none())
    check_in = forms.DateField(
        label=_("Check-in"), initial=timezone.localdate, widget=_date_input()
    )
    override_reason = forms.CharField(
        label=_("Reason for checking in over capacity"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only needed when the home is full."),
    )

    def __init__(self, *args, homes, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home"].queryset = homes
        self.fields["home"].label_from_instance = lambda h: f"{h.name} ({h.location.code})"
        self.fields["person"].queryset = people


class CheckOutForm(VersionedFormMixin, forms.Form):
    check_out = forms.DateField(
        label=_("Check-out"), initial=timezone.localdate, widget=_date_input()
    )


class PersonEnrolForm(forms.Form):
    """The session chosen on the person page (one of those offered to the person)."""

    session = forms.ModelChoiceField(
        queryset=None,
        error_messages={
            "required": _("Choose a session."),
            "invalid_choice": _(
                "This session is no longer open to this person (held, cancelled, or they "
                "are already enrolled). The page now shows the sessions they can join."
            ),
        },
    )

    def __init__(self, *args, sessions: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
