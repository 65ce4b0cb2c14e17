"""Serializers of the people API: field sets per role, validation as on the forms.

Writes are not done here: the views hand `validated_data` to `people.services`, which convert
Zawgyi, run the model's validation and write the audit rows in the same transaction.
"""

from __future__ import annotations

import re

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from people import choices, workflow
from people.api.filters import EXIT_MONTH_SCHEMA
from people.burmese_input import ZawgyiSerializerMixin
from people.filters import PersonFilter
from people.forms import EARLIEST_EXIT, OLDEST_BIRTH_YEAR, YOUNGEST_AGE
from people.models import CaseNote, Exit, FollowUp, Partner, Person, Transfer, TransferRequest
from people.selectors import case_workers_for
from portal.api.filters import MAX_ID, TEXT_SCHEMA
from portal.api.pagination import BodyPagination
from portal.api.serializers import (
    ErrorSerializer,
    PlainFieldsSerializerMixin,
    ScopedPrimaryKeyField,
    StrictModelSerializer,
    StrictSerializerMixin,
)
from portal.models import Location, User
from portal.pagination import MAX_BOUND
from portal.scoping import visible_to


def _not_in_future(value, message):
    if value and value > timezone.localdate():
        raise serializers.ValidationError(message)
    return value


class UserIdField(ScopedPrimaryKeyField):
    """A user chosen from the case workers of the caller's sites (assignee, case worker)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return User.objects.none()
        return case_workers_for(request.user)


class VisiblePersonField(ScopedPrimaryKeyField):
    """A person within the caller's scope (another site's id is "does not exist")."""

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return visible_to(user, Person.objects.current())


class ActiveLocationField(ScopedPrimaryKeyField):
    """An active site; `own_sites_only` limits it to the caller's sites (registration)."""

    def __init__(self, *, own_sites_only: bool = True, **kwargs):
        self.own_sites_only = own_sites_only
        super().__init__(**kwargs)

    def get_queryset(self):
        locations = Location.objects.filter(active=True)
        if not self.own_sites_only:
            return locations
        request = self.context.get("request")
        return visible_to(getattr(request, "user", None), locations)


# --- Exits ------------------------------------------------------------------------------------

EXIT_FIELDS = [
    "exit_type", "affiliation", "exit_date", "place_township", "place_region", "receiving_group",
    "recruit_status", "forcibly_conscripted", "years_of_service", "rank", "unit", "reasons",
    "custody_status", "verification",
]  # fmt: skip


class ExitFieldsSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """How a person left; also the optional `exit` of a registration."""

    reasons = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.ExitReason.choices),
        required=False,
        max_length=len(choices.ExitReason.choices),
    )
    years_of_service = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=60,
        required=False,
        allow_null=True,
        coerce_to_string=False,
    )

    class Meta:
        model = Exit
        fields = EXIT_FIELDS

    def validate_exit_date(self, value):
        _not_in_future(value, _("The exit date cannot be in the future."))
        if value < EARLIEST_EXIT:
            raise serializers.ValidationError(_("The exit date cannot be before 1988."))
        return value

    def validate(self, attrs):
        exit_type = attrs.get("exit_type", getattr(self.instance, "exit_type", None))
        custody = attrs.get("custody_status", getattr(self.instance, "custody_status", ""))
        if custody and exit_type != choices.ExitType.POW:
            raise serializers.ValidationError(
                {"custody_status": [_("Custody status applies to prisoners of war only.")]}
            )
        return attrs


class ExitSerializer(ExitFieldsSerializer):
    """How a person left the armed forces, police or militia (`person`: on creation only)."""

    person = VisiblePersonField()

    class Meta(ExitFieldsSerializer.Meta):
        fields = ["id", "person", *EXIT_FIELDS]
        create_only_fields = ["person"]


# --- People -----------------------------------------------------------------------------------

PERSON_FIELDS = [
    "reference", "full_name", "preferred_name", "name_my", "sex", "birth_year",
    "birth_year_estimated", "origin_region", "location", "status", "case_worker", "phone",
    "dependants", "vulnerabilities", "consent_date", "consent_storing", "consent_sharing",
    "consent_photos", "consent_withdrawn_on", "consent_notes",
]  # fmt: skip


class PersonSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A person as case workers see them, with their exits (read-only here: change an exit at
    /api/v1/exits/). `exit` registers the first exit with the person (creation only)."""

    location = ActiveLocationField()
    case_worker = UserIdField(required=False, allow_null=True)
    birth_year = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=OLDEST_BIRTH_YEAR,
        # Checked again against the current year in validate_birth_year.
        max_value=timezone.localdate().year - YOUNGEST_AGE,
    )
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.Vulnerability.choices),
        required=False,
        max_length=len(choices.Vulnerability.choices),
    )
    dependants = serializers.IntegerField(required=False, min_value=0, max_value=50)
    exits = ExitFieldsSerializer(many=True, read_only=True, source="exit_list")
    exit = ExitFieldsSerializer(required=False, write_only=True)
    confirm_new_person = serializers.BooleanField(
        required=False,
        write_only=True,
        help_text=_(
            "Creation only. true: register the person although possible duplicates exist "
            "(without it, a creation with possible duplicates answers 409 with them)."
        ),
    )

    # Blank until the case is closed (the schema says so: oneOf the reasons or blank).
    closing_reason = serializers.ChoiceField(
        choices=choices.ClosingReason.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Person
        fields = [
            "id", "case_number", *PERSON_FIELDS, "closing_reason", "created_at", "version",
            "exits", "exit", "confirm_new_person",
        ]  # fmt: skip
        read_only_fields = ["case_number", "closing_reason", "created_at", "version"]
        create_only_fields = ["exit", "confirm_new_person"]

    def validate_status(self, value):
        """A new case starts as intake or active; later the status changes only through
        `POST /people/{id}/status/` (the workflow records who, when and why)."""
        if self.instance is None and value not in workflow.STARTING_STATES:
            raise serializers.ValidationError(
                _(
                    "A case starts as intake or active; change the status afterwards with POST "
                    "/api/v1/people/{id}/status/."
                )
            )
        if self.instance is not None and value != self.instance.status:
            raise serializers.ValidationError(
                _(
                    "The status changes only with POST /api/v1/people/{id}/status/ (the case "
                    "workflow, with its date and reason)."
                )
            )
        return value

    def validate_birth_year(self, value):
        latest = timezone.localdate().year - YOUNGEST_AGE
        if value is not None and not OLDEST_BIRTH_YEAR <= value <= latest:
            raise serializers.ValidationError(
                _("Enter a birth year between %(first)s and %(last)s.")
                % {"first": OLDEST_BIRTH_YEAR, "last": latest}
            )
        return value

    def validate_consent_date(self, value):
        return _not_in_future(value, _("This date is in the future."))

    def validate_consent_withdrawn_on(self, value):
        return _not_in_future(value, _("This date is in the future."))

    def validate(self, attrs):
        def current(name):
            return attrs.get(name, getattr(self.instance, name, None))

        consent_date, withdrawn = current("consent_date"), current("consent_withdrawn_on")
        errors = {}
        if consent_date and withdrawn and withdrawn < consent_date:
            errors["consent_withdrawn_on"] = [_("Consent cannot be withdrawn before it was given.")]
        if (current("consent_storing") or current("consent_sharing")) and not consent_date:
            errors["consent_date"] = [_("Give the date consent was given.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PersonAdminSerializer(PersonSerializer):
    """A person, with their exits (change an exit at /api/v1/exits/). `exit` registers the
    first exit with the person (creation only). Admins also get `created_by` and
    `updated_at`."""

    created_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta(PersonSerializer.Meta):
        ref_name = "Person"  # the schema shows this field set (others are a subset)
        fields = [*PersonSerializer.Meta.fields, "created_by", "updated_at"]
        read_only_fields = [*PersonSerializer.Meta.read_only_fields, "updated_at"]


class DuplicateCandidateSerializer(serializers.Serializer):
    """A possible duplicate at one of your sites (a restricted record you do not see: its
    case number only, score 0 and no reasons)."""

    id = serializers.IntegerField(source="person.pk")
    case_number = serializers.CharField(source="person.case_number")
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    restricted = serializers.BooleanField()


class PossibleDuplicatesSerializer(ErrorSerializer):
    """409 on creating a person: possible duplicates. Nothing was saved; send the same body
    with `"confirm_new_person": true` to register the person anyway."""

    candidates = DuplicateCandidateSerializer(many=True)
    other_sites = serializers.IntegerField(
        help_text=_(
            "How many possible duplicates are at sites that are not yours (never who: an "
            "admin reviews them)."
        )
    )


class StatusChangeSerializer(StrictSerializerMixin, serializers.Serializer):
    """A step of the case status workflow. The service says, by field, why a change is
    refused (400)."""

    to_status = serializers.ChoiceField(choices=choices.Status.choices)
    closing_reason = serializers.ChoiceField(
        choices=choices.ClosingReason.choices, required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    changed_on = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_changed_on(self, value):
        return _not_in_future(value, _("The date cannot be in the future."))


# --- Case notes, follow-ups, transfers --------------------------------------------------------


class CaseNoteSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A case note. Only its author changes it, within 24 hours; notes are never deleted."""

    person = VisiblePersonField()
    author_name = serializers.CharField(source="author.get_short_name", read_only=True)

    class Meta:
        model = CaseNote
        fields = ["id", "person", "text", "author", "author_name", "created_at", "edited_at"]
        read_only_fields = ["author", "created_at", "edited_at"]
        create_only_fields = ["person"]


class FollowUpSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A planned follow-up; `POST .../complete/` marks it done."""

    person = VisiblePersonField()
    assignee = UserIdField()
    description = serializers.CharField(max_length=300)

    class Meta:
        model = FollowUp
        fields = [
            "id", "person", "due_on", "assignee", "description", "done_at", "done_by",
            "created_by", "created_at",
        ]  # fmt: skip
        read_only_fields = ["done_at", "done_by", "created_by", "created_at"]


class TransferSerializer(StrictModelSerializer):
    """A move of a person to another site: the history of an accepted transfer request
    (`/transfer-requests/`), kept by both sites."""

    class Meta:
        model = Transfer
        fields = [
            "id", "person", "from_location", "to_location", "transferred_on", "reason",
            "transferred_by", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class TransferRequestSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A request to move a person to another site. Creating one asks the receiving site;
    the person stays at their site until it is accepted (`POST .../accept/`)."""

    person = VisiblePersonField()
    to_location = ActiveLocationField(own_sites_only=False)
    reason = serializers.CharField(max_length=300)

    class Meta:
        model = TransferRequest
        fields = [
            "id", "person", "from_location", "to_location", "reason", "status",
            "requested_by", "requested_at", "decided_by", "decided_at", "new_case_worker",
            "decline_reason", "transfer",
        ]  # fmt: skip
        read_only_fields = [
            "from_location", "status", "requested_by", "requested_at", "decided_by",
            "decided_at", "new_case_worker", "decline_reason", "transfer",
        ]  # fmt: skip


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class NewCaseWorkerField(UserIdField):
    """A case worker chosen by id outside a model serializer (the schema needs its type);
    the service checks that they work at the receiving site."""


class AcceptTransferSerializer(StrictSerializerMixin, serializers.Serializer):
    """Accepting a transfer: the new case worker, one of the receiving site's."""

    new_case_worker = extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})(
        UserIdField
    )()


class DeclineTransferSerializer(
    ZawgyiSerializerMixin, StrictSerializerMixin, serializers.Serializer
):
    """Declining a transfer: why (the sending site is told)."""

    decline_reason = serializers.CharField(max_length=300)


# --- Partners ---------------------------------------------------------------------------------


class PartnerSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A partner organisation people are referred to (admins change them)."""

    services = serializers.ListField(
        child=serializers.ChoiceField(choices=choices.ReferralService.choices),
        required=False,
        max_length=len(choices.ReferralService.choices),
    )

    class Meta:
        model = Partner
        fields = ["id", "name", "services", "contact", "active"]


# --- Searching people (terms in the body, never in a URL) --------------------------------------

_ORDERING_NAMES = "|".join(
    re.escape(name) for name in PersonFilter.base_filters["ordering"].param_map
)
ORDERING_PATTERN = rf"^-?({_ORDERING_NAMES})(,-?({_ORDERING_NAMES}))*$"


SEARCH_MAX_LENGTH = 200


@extend_schema_field({**TEXT_SCHEMA, "maxLength": SEARCH_MAX_LENGTH})
class SearchTextField(serializers.Field):
    """Free text; blank means no search. Not a `CharField`: drf-spectacular would document a
    blank-allowing one with a pattern as a `oneOf` that a blank string matches twice."""

    default_error_messages = {
        "type": _("Expected a string."),
        "nul": _("Remove the NUL characters."),
        "max_length": _("Ensure this field has no more than {max_length} characters."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("type")
        if "\x00" in data:
            self.fail("nul")
        if len(data) > SEARCH_MAX_LENGTH:
            self.fail("max_length", max_length=SEARCH_MAX_LENGTH)
        return data.strip()

    def to_representation(self, value):
        return value


class PersonSearchSerializer(
    PlainFieldsSerializerMixin, StrictSerializerMixin, serializers.Serializer
):
    """The body of `POST /api/v1/people/search/`: the people list's filters, the search
    itself (`q`), the order and the page. Every key is optional; unknown keys are refused."""

    q = SearchTextField(
        required=False,
        help_text=_("Case number, any name (Latin or Burmese, Unicode or Zawgyi) or phone."),
    )
    location = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("A site's id.")
    )
    status = serializers.ChoiceField(choices=choices.Status.choices, required=False)
    exit_type = serializers.ChoiceField(choices=choices.ExitType.choices, required=False)
    affiliation = serializers.ChoiceField(choices=choices.Affiliation.choices, required=False)
    recruit_status = serializers.ChoiceField(choices=choices.RecruitStatus.choices, required=False)
    exit_month = serializers.RegexField(
        EXIT_MONTH_SCHEMA["pattern"],
        required=False,
        error_messages={"invalid": _("Use the form YYYY-MM.")},
    )
    ordering = serializers.RegexField(
        ORDERING_PATTERN,
        required=False,
        error_messages={
            "invalid": _("Order by one or more of: %(fields)s (prefix - for descending).")
            % {"fields": _ORDERING_NAMES.replace("|", ", ")}
        },
    )
    page = serializers.IntegerField(required=False, min_value=1, max_value=MAX_BOUND)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=BodyPagination.max_page_size
    )

    PAGE_KEYS = ("page", "page_size")

    def filter_data(self) -> dict[str, str]:
        """The validated filters as the list's FilterSet reads them (strings)."""
        return {
            name: str(value)
            for name, value in self.validated_data.items()
            if name not in self.PAGE_KEYS
        }


class PersonSearchPageSerializer(serializers.Serializer):
    """One page of a search: page numbers to send again (with the same body), never links."""

    count = serializers.IntegerField(
        help_text=_("Matches counted; when count_exact is false there are more.")
    )
    count_exact = serializers.BooleanField()
    next_page = serializers.IntegerField(
        allow_null=True, help_text=_("Send this as `page` for the next page; null on the last.")
    )
    previous_page = serializers.IntegerField(allow_null=True)
    results = PersonAdminSerializer(many=True)
