"""Serializers of the programs API: field sets per role, validation as on the forms.

Writes are not done here: the views hand `validated_data` to `programs.services`, which check
the rules (places, sites, correction window, capacity) and write the audit rows in the same
transaction. A trainer's serializers show a participant by case number and preferred name
only (annotated on the queryset: no other personal field is read from the database).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from people.api.serializers import ActiveLocationField, VisiblePersonField
from people.burmese_input import ZawgyiSerializerMixin
from people.models import Partner
from portal.api.filters import MAX_ID
from portal.api.serializers import (
    ScopedPrimaryKeyField,
    StrictModelSerializer,
    StrictSerializerMixin,
)
from portal.scoping import visible_to
from programs import selectors
from programs.models import (
    AssistanceType,
    Attendance,
    Course,
    Distribution,
    Enrolment,
    SafeHome,
    Stay,
    TrainingSession,
)
from programs.services.training import MARKED_AT_TOLERANCE

CLOCK_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


@extend_schema_field({"type": "string", "pattern": CLOCK_PATTERN, "example": "09:00"})
class SiteDateTimeField(serializers.DateTimeField):
    """An instant given with its site's offset ("2026-03-11T23:59:59+07:00" for Mae Sot)
    rather than turned into the server's zone: the same instant, read as the site's clock."""

    def enforce_timezone(self, value):
        if timezone.is_aware(value):
            return value
        return super().enforce_timezone(value)


class ClockTimeField(serializers.TimeField):
    """A time of day written `HH:MM` (seconds accepted on input, never shown)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)


def _status_field(choices, name: str):
    """A status field documented by a pattern rather than an enum: drf-spectacular turns every
    enum into a component named after the field, and the portal has several choice sets named
    `status` (people's among them), which would each need a name in ENUM_NAME_OVERRIDES."""
    values = [value for value, _label in choices if value]
    optional = "?" if any(not value for value, _label in choices) else ""
    schema = {
        "type": "string",
        "pattern": f"^({'|'.join(values)}){optional}$",
        "description": "One of: "
        + ", ".join(f"`{v}`" for v in values)
        + (" or empty" if optional else "")
        + ".",
    }

    @extend_schema_field(schema)
    class StatusField(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    StatusField.__name__ = StatusField.__qualname__ = name
    return StatusField


SessionStatusField = _status_field(TrainingSession.Status.choices, "SessionStatusField")
EnrolmentStatusField = _status_field(Enrolment.Status.choices, "EnrolmentStatusField")
AttendanceStatusField = _status_field(Attendance.Status.choices, "AttendanceStatusField")
# On a roster: also "" (not marked yet).
RosterStatusField = _status_field(
    [*Attendance.Status.choices, ("", _("Not marked yet"))], "RosterStatusField"
)


def _request_user(field):
    request = field.context.get("request")
    return getattr(request, "user", None)


# --- Related records chosen by id, within the caller's scope ----------------------------------


class CourseIdField(ScopedPrimaryKeyField):
    """An offered course; on an update, the session's current course stays valid."""

    def get_queryset(self):
        courses = selectors.courses_for(_request_user(self))
        instance = self.root.instance
        if isinstance(instance, TrainingSession):
            courses = courses | Course.objects.filter(pk=instance.course_id)
        return courses


class TrainerIdField(ScopedPrimaryKeyField):
    """An active trainer assigned to one of the caller's sites (the service checks the site)."""

    def get_queryset(self):
        return selectors.trainers_for(_request_user(self))


class SessionIdField(ScopedPrimaryKeyField):
    def get_queryset(self):
        return visible_to(_request_user(self), TrainingSession.objects.all())


class AssistanceTypeIdField(ScopedPrimaryKeyField):
    """A type of assistance still given."""

    def get_queryset(self):
        return selectors.assistance_types_for(_request_user(self))


class PartnerIdField(ScopedPrimaryKeyField):
    def get_queryset(self):
        return visible_to(_request_user(self), Partner.objects.filter(active=True))


class HomeIdField(ScopedPrimaryKeyField):
    """An open safe home of the caller's sites."""

    def get_queryset(self):
        return selectors.homes_for(_request_user(self))


def _refuse_on_create(serializer, names, message):
    """Fields accepted on an update only (e.g. a status set after planning or enrolment)."""
    if serializer.instance is None:
        sent = [name for name in names if name in serializer.initial_data]
        if sent:
            raise serializers.ValidationError({name: [message] for name in sent})


# --- Reference data ---------------------------------------------------------------------------


class CourseSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A kind of training (admins create and change them)."""

    class Meta:
        model = Course
        fields = ["id", "name", "description", "active"]


class AssistanceTypeSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A kind of assistance and its unit; cash is counted in a currency (admins change them)."""

    class Meta:
        model = AssistanceType
        fields = ["id", "name", "kind", "unit", "currency", "repeat_warning_days", "active"]

    def validate(self, attrs):
        def current(name, default=""):
            return attrs.get(name, getattr(self.instance, name, default))

        kind, currency = current("kind"), current("currency")
        if kind == AssistanceType.Kind.CASH and not currency:
            raise serializers.ValidationError({"currency": [_("Cash needs a currency.")]})
        if kind != AssistanceType.Kind.CASH and currency:
            raise serializers.ValidationError({"currency": [_("Only cash has a currency.")]})
        return attrs


# --- Training sessions ------------------------------------------------------------------------

SESSION_FIELDS = ["course", "date", "start_time", "end_time", "location", "trainer", "capacity",
                  "status"]  # fmt: skip


class SessionSerializer(StrictModelSerializer):
    """A training session. `status` is set after planning (an update); `taken`: places held
    by people enrolled or completed."""

    course = CourseIdField()
    course_name = serializers.CharField(source="course.name", read_only=True)
    location = ActiveLocationField()
    trainer = TrainerIdField()
    start_time = ClockTimeField()
    end_time = ClockTimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=32767)
    taken = serializers.IntegerField(read_only=True)
    status = SessionStatusField(required=False)
    time_zone = serializers.CharField(
        source="location.time_zone",
        read_only=True,
        help_text=_("The site's time zone (IANA name): the date and times are its clock."),
    )

    class Meta:
        model = TrainingSession
        fields = ["id", "course", "course_name", "date", "start_time", "end_time", "location",
                  "time_zone", "trainer", "capacity", "taken", "status", "created_at"]  # fmt: skip
        read_only_fields = ["created_at", "time_zone"]

    def validate(self, attrs):
        _refuse_on_create(self, ["status"], _("A new session is planned; change its status later."))
        start = attrs.get("start_time", getattr(self.instance, "start_time", None))
        end = attrs.get("end_time", getattr(self.instance, "end_time", None))
        if start and end and end <= start:
            raise serializers.ValidationError(
                {"end_time": [_("The session must end after it starts.")]}
            )
        return attrs


class SessionAdminSerializer(SessionSerializer):
    """A training session, as admins see it (with who planned it)."""

    class Meta(SessionSerializer.Meta):
        ref_name = "TrainingSession"  # the schema shows this field set (others are a subset)
        fields = [*SessionSerializer.Meta.fields, "created_by"]
        read_only_fields = ["created_at", "created_by", "time_zone"]


class TrainerSessionSerializer(StrictModelSerializer):
    """One of the trainer's own sessions (read-only)."""

    course_name = serializers.CharField(source="course.name", read_only=True)
    start_time = ClockTimeField(read_only=True)
    end_time = ClockTimeField(read_only=True)
    taken = serializers.IntegerField(read_only=True)
    status = SessionStatusField(read_only=True)
    time_zone = serializers.CharField(
        source="location.time_zone",
        read_only=True,
        help_text=_("The site's time zone (IANA name): the date and times are its clock."),
    )

    class Meta:
        model = TrainingSession
        fields = ["id", "course", "course_name", "date", "start_time", "end_time", "location",
                  "time_zone", "trainer", "capacity", "taken", "status"]  # fmt: skip
        read_only_fields = fields


# --- The trainer's sessions for offline use (docs/offline-attendance-api.md) --------------------


class RosterEntrySerializer(serializers.Serializer):
    """A participant as the trainer's phone keeps them: case number and preferred name only
    (a `programs.selectors.RosterRow`)."""

    person = serializers.IntegerField(source="person_id")
    case_number = serializers.CharField()
    preferred_name = serializers.CharField(
        source="label", help_text=_("Falls back to the case number.")
    )
    # Output only (no allow_blank: its schema would let "" match two alternatives).
    status = RosterStatusField(
        help_text=_("Attendance recorded so far; empty when not marked yet.")
    )


class MySessionSerializer(serializers.Serializer):
    """One of the trainer's sessions, with its roster, for marking attendance offline (a
    `programs.selectors.OfflineSession`)."""

    id = serializers.IntegerField(source="session.pk")
    date = serializers.DateField(source="session.date")
    start_time = ClockTimeField(source="session.start_time")
    end_time = ClockTimeField(source="session.end_time")
    course = serializers.CharField(source="session.course.name", help_text=_("The course's name."))
    site = serializers.CharField(source="session.location.code", help_text=_("The site's code."))
    time_zone = serializers.CharField(
        source="session.location.time_zone",
        help_text=_("The site's time zone (IANA name): the date and times are its clock."),
    )
    status = SessionStatusField(source="session.status")
    can_mark = serializers.BooleanField(
        help_text=_("Whether attendance can be saved now (the day of the session or the next).")
    )
    correction_closes_at = SiteDateTimeField(
        source="session.correction_closes_at",
        help_text=_(
            "The end of the trainer's correction window: the end of the next day at the site."
        ),
    )
    roster = RosterEntrySerializer(many=True)


# --- The bulk roster save -----------------------------------------------------------------------

PERSON_KEY = re.compile(r"^[1-9][0-9]{0,18}$")
EARLIEST_MARK = datetime(1970, 1, 1, tzinfo=UTC)


class RosterSaveSerializer(StrictSerializerMixin, serializers.Serializer):
    """The whole roster of a session in one request: person id (as a string key) → status.
    Participants left out are left as they are."""

    marks = serializers.DictField(
        child=AttendanceStatusField(),
        allow_empty=True,
        help_text=_('Person id → "present", "absent" or "excused"; enrolled participants only.'),
    )
    marked_at = serializers.DateTimeField(
        required=False,
        help_text=_(
            "When the trainer pressed save on the phone (ISO 8601 with offset); not more than 5 "
            "minutes in the future. Defaults to now."
        ),
    )

    def validate_marks(self, value):
        marks, invalid = {}, []
        for key, status in value.items():
            if not PERSON_KEY.match(str(key)) or int(key) > MAX_ID:
                invalid.append(str(key))
            else:
                marks[int(key)] = status
        if invalid:
            raise serializers.ValidationError(
                _("Not a person id: %(keys)s.") % {"keys": ", ".join(sorted(invalid)[:10])}
            )
        return marks

    def validate_marked_at(self, value):
        if value > timezone.now() + MARKED_AT_TOLERANCE:
            raise serializers.ValidationError(_("The time of marking is in the future."))
        # A phone whose clock was reset (1970, 2000...) still gets its marks saved, with the
        # time it gives beside the time of arrival; earlier than that is no clock at all.
        if value < EARLIEST_MARK:
            raise serializers.ValidationError(_("This is not a possible time of marking."))
        return value


class RosterSavedSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    saved = serializers.IntegerField(help_text=_("Marks received."))
    changed = serializers.IntegerField(help_text=_("Marks that changed what was recorded."))
    marked_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()


# --- Enrolments and attendance ------------------------------------------------------------------


class EnrolmentSerializer(StrictModelSerializer):
    """A person's place in a session. Created with `session` and `person` (enrolled); its
    `status` is changed afterwards (completed, dropped out, or enrolled again)."""

    session = SessionIdField()
    person = VisiblePersonField()
    case_number = serializers.CharField(read_only=True)
    preferred_name = serializers.CharField(
        source="participant_name", read_only=True, help_text=_("Falls back to the case number.")
    )
    status = EnrolmentStatusField(required=False)

    class Meta:
        model = Enrolment
        fields = ["id", "session", "person", "case_number", "preferred_name", "status",
                  "enrolled_at", "enrolled_by", "completed_on"]  # fmt: skip
        read_only_fields = ["enrolled_at", "enrolled_by", "completed_on"]
        create_only_fields = ["session", "person"]

    def validate(self, attrs):
        _refuse_on_create(self, ["status"], _("A new enrolment is enrolled; change it later."))
        return attrs


class TrainerEnrolmentSerializer(StrictModelSerializer):
    """A participant of one of the trainer's sessions: case number and preferred name only."""

    preferred_name = serializers.CharField(
        source="participant_name", read_only=True, help_text=_("Falls back to the case number.")
    )
    case_number = serializers.CharField(read_only=True)
    status = EnrolmentStatusField(read_only=True)

    class Meta:
        model = Enrolment
        fields = ["id", "session", "person", "case_number", "preferred_name", "status"]
        read_only_fields = fields


class AttendanceSerializer(StrictModelSerializer):
    """Whether a person was at a session (written through `POST /sessions/{id}/attendance/`)."""

    case_number = serializers.CharField(read_only=True)
    preferred_name = serializers.CharField(
        source="participant_name", read_only=True, help_text=_("Falls back to the case number.")
    )
    status = AttendanceStatusField(read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "session", "person", "case_number", "preferred_name", "status",
                  "marked_by", "marked_at"]  # fmt: skip
        read_only_fields = fields


class TrainerAttendanceSerializer(StrictModelSerializer):
    """Attendance at one of the trainer's sessions: case number and preferred name only."""

    preferred_name = serializers.CharField(
        source="participant_name", read_only=True, help_text=_("Falls back to the case number.")
    )
    case_number = serializers.CharField(read_only=True)
    status = AttendanceStatusField(read_only=True)

    class Meta:
        model = Attendance
        fields = ["id", "session", "person", "case_number", "preferred_name", "status",
                  "marked_at"]  # fmt: skip
        read_only_fields = fields


# --- Material assistance ----------------------------------------------------------------------


class DistributionSerializer(StrictModelSerializer):
    """Assistance given to one person (at the person's site). If the person received the same
    type within its warning period, the request is refused unless `acknowledge_repeat` is true.
    `POST /distributions/{id}/confirm/` confirms receipt."""

    person = VisiblePersonField()
    case_number = serializers.CharField(read_only=True)
    assistance_type = AssistanceTypeIdField()
    partner = PartnerIdField(required=False, allow_null=True)
    quantity = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=False
    )
    acknowledge_repeat = serializers.BooleanField(
        required=False,
        write_only=True,
        help_text=_("Give it although the person received the same type recently."),
    )

    class Meta:
        model = Distribution
        fields = ["id", "person", "case_number", "location", "assistance_type", "quantity",
                  "distributed_on", "partner", "acknowledge_repeat", "repeat_acknowledged",
                  "recorded_by", "recorded_at", "received_confirmed_at",
                  "received_confirmed_by"]  # fmt: skip
        read_only_fields = ["location", "repeat_acknowledged", "recorded_by", "recorded_at",
                            "received_confirmed_at", "received_confirmed_by"]  # fmt: skip

    def validate_distributed_on(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The date cannot be in the future."))
        return value


# --- Safe homes -------------------------------------------------------------------------------


class HomeSerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A safe home (no address is stored) with its current occupancy."""

    occupied = serializers.IntegerField(read_only=True, help_text=_("People living there now."))
    free = serializers.IntegerField(read_only=True, help_text=_("Free places now."))

    class Meta:
        model = SafeHome
        fields = ["id", "name", "location", "capacity", "active", "occupied", "free"]
        read_only_fields = fields


class StaySerializer(ZawgyiSerializerMixin, StrictModelSerializer):
    """A person living in a safe home (a check-in); `POST /stays/{id}/check-out/` ends it. A
    full home takes someone more only with `over_capacity_reason`."""

    person = VisiblePersonField()
    case_number = serializers.CharField(read_only=True)
    home = HomeIdField()
    over_capacity_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    class Meta:
        model = Stay
        fields = ["id", "person", "case_number", "home", "check_in", "check_out",
                  "over_capacity_reason", "checked_in_by", "checked_out_by"]  # fmt: skip
        read_only_fields = ["check_out", "checked_in_by", "checked_out_by"]

    def validate_check_in(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError(_("The check-in date cannot be in the future."))
        return value


class CheckOutSerializer(StrictSerializerMixin, serializers.Serializer):
    check_out = serializers.DateField(help_text=_("Defaults to today."), required=False)
