from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from portal import concurrency
from portal.models import Location, User
from portal.roles import Role
from portal.zone_names import zone_choices

STALE_FORM = _(
    "This form does not say which version of the record it was opened on. Open the record "
    "again and repeat your change."
)


class VersionedFormMixin:
    """A hidden `version`: the version of the record when the form was opened, which the
    service compares with the saved one (`portal.concurrency.lock`). A ModelForm takes it
    from its instance; another form from `record`. A form for a new record has none."""

    def __init__(self, *args, record=None, **kwargs):
        super().__init__(*args, **kwargs)
        record = record if record is not None else getattr(self, "instance", None)
        if record is not None and record.pk is not None:
            self.fields["version"] = forms.IntegerField(
                widget=forms.HiddenInput,
                min_value=1,
                initial=record.version,
                error_messages={"required": STALE_FORM, "invalid": STALE_FORM},
            )

    @property
    def expected_version(self) -> int:
        """The version the form was opened on (a bound, valid form of an existing record)."""
        return self.cleaned_data["version"]

    @property
    def non_version_data(self) -> dict:
        """The cleaned values without the version (what the user changed)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class SitesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Location) -> str:
        return f"{obj.code} — {obj.name}"


class VersionedAdminForm(forms.ModelForm):
    """The base form of a Django-admin change page (`ModelAdmin.form = VersionedAdminForm`):
    it carries the version the page was opened on, which `ServiceModelAdmin` hands to the
    service: the service locks the record and compares (`portal.concurrency`). A stale save
    is a form error listing what differs (`stale_admin_error`); nothing is overwritten, and
    a saved change moves the version on. (Named `opened_version`: a non-editable model field
    cannot be a field of an admin form.)"""

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["opened_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is not None and cleaned.get("opened_version") is None:
            raise forms.ValidationError(STALE_FORM, code="stale")
        return cleaned


def stale_admin_error(stale: concurrency.StaleEditError) -> forms.ValidationError:
    """The admin's message for a save refused by the service's version check
    (`portal.admin_base.ServiceModelAdmin`): what differs, and that nothing was overwritten."""
    differences = "; ".join(
        f"{label}: {mine} ({_('saved')}: {saved})" for label, (mine, saved) in stale.changes.items()
    )
    return forms.ValidationError(
        _(
            "Someone else saved this record while you were editing, so your changes "
            "were not saved and nothing was overwritten. %(differences)s Open the "
            "record again to edit."
        ),
        params={"differences": differences},
        code="stale",
    )


class LocationAdminForm(VersionedAdminForm):
    """A site in the Django admin: its time zone is chosen from the IANA names (a select,
    so that a misspelt zone cannot be saved)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "time_zone" in self.fields:
            self.fields["time_zone"].widget = forms.Select(choices=zone_choices())


class VersionForm(VersionedFormMixin, forms.Form):
    """Only the version: a change made by one button (a follow-up marked done, a receipt
    confirmed), whose form holds the version of the record the page showed."""


class UserAccessForm(forms.Form):
    """Role and sites; shared by the invitation and the edit form."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    sites = SitesField(
        label=_("Sites"),
        queryset=Location.objects.filter(active=True),
        required=False,
        help_text=_("Case workers and trainers see only the records of these sites."),
    )
    ends_on = forms.DateField(
        label=_("Access to these sites ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for no end date."),
    )

    def clean(self):
        cleaned = super().clean()
        role, sites = cleaned.get("role"), cleaned.get("sites")
        if role in (Role.CASE_WORKER, Role.TRAINER) and not sites:
            self.add_error("sites", _("Case workers and trainers need at least one site."))
        return cleaned


class InvitationForm(UserAccessForm):
    email = forms.EmailField(label=_("E-mail address"))

    field_order = ["email", "full_name", "role", "sites", "ends_on"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this e-mail address already exists."))
        return email


class UserEditForm(VersionedFormMixin, UserAccessForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive user cannot sign in; open sessions end at their next request."),
    )


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("New password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user: User, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            try:
                password_validation.validate_password(password1, self.user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class PledgeForm(forms.Form):
    agree = forms.BooleanField(
        label=_("I have read the pledge and will keep to it."),
        error_messages={"required": _("Tick the box to accept the pledge.")},
    )
