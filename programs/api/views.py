"""Programs API: courses, sessions, enrolments, attendance, assistance types, distributions,
safe homes and stays; and the trainer's offline attendance (docs/offline-attendance-api.md).

Same access as the screens. Admins: everything. Case workers: sessions, enrolments,
attendance, distributions, homes and stays of their sites. Trainers: their own sessions, the
rosters and attendance of those (a participant is a case number and a preferred name, nothing
else), and the bulk roster save. Analysts: the reference data (courses, assistance types) only;
everything person-level answers 403. Every queryset is scoped by the base class (`visible_to`),
sessions and distributions through the screens' selectors (`programs.selectors`): records of
other sites, and other trainers' sessions, answer 404. Writes call
`programs.services`, which write the audit rows in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, CharField, Count, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from portal import auditing
from portal.api.serializers import ErrorSerializer
from portal.api.views import CreateMixin, ListMixin, PortalViewSet, RetrieveMixin, UpdateMixin
from portal.roles import ADMINS, EVERYONE, STAFF_WITH_PERSON_DATA, TRAINING_STAFF, Role
from portal.timezones import site_today
from programs import selectors, services
from programs.api import filters, serializers
from programs.models import (
    AssistanceType,
    Attendance,
    Course,
    Distribution,
    Enrolment,
    IdempotentRequest,
    SafeHome,
    Stay,
    TrainingSession,
)


def _staff(serializer_class, admin_serializer_class=None) -> dict:
    return {
        Role.ADMIN: admin_serializer_class or serializer_class,
        Role.CASE_WORKER: serializer_class,
    }


def _participant_name():
    """The preferred name, or the case number when there is none or the person is restricted
    (as on the roster)."""
    return Case(
        When(person__preferred_name="", then=F("person__case_number")),
        When(person__restricted=True, then=F("person__case_number")),
        default=F("person__preferred_name"),
        output_field=CharField(),
    )


def _count(queryset, outer: str):
    """The number of rows of `queryset` linked to the outer row (a subquery, no GROUP BY on
    the outer query, so that it can be locked for an update)."""
    counted = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted), Value(0))


def _etag_of(data) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode("utf-8"))
    return f'"{digest.hexdigest()[:32]}"'


class AuditedSaveMixin:
    """Create and change reference data through `programs.services.save_reference_data`
    (audit rows; a change carries the version it was read at)."""

    version_field = "version"

    def perform_create(self, serializer):
        return services.save_reference_data(
            by=self.request.user, model=self.queryset.model, values=serializer.validated_data
        )

    def perform_update(self, serializer, instance):
        return services.save_reference_data(
            by=self.request.user,
            model=self.queryset.model,
            values=serializer.validated_data,
            record=instance,
            expected_version=instance.version,
        )


# --- Reference data ---------------------------------------------------------------------------


class CourseViewSet(
    AuditedSaveMixin, ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet
):
    """Courses (kinds of training). Every role reads them; admins create and change them. A
    PUT/PATCH needs the ETag of your last read in `If-Match`."""

    queryset = Course.objects.all()
    role_serializers = dict.fromkeys(EVERYONE, serializers.CourseSerializer)
    write_roles = ADMINS
    filterset_class = filters.CourseFilter
    search_fields = ("name",)
    ordering_fields = ("name", "id")
    ordering = ["name", "id"]


class AssistanceTypeViewSet(
    AuditedSaveMixin, ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet
):
    """Types of material assistance. Every role reads them; admins create and change them."""

    queryset = AssistanceType.objects.all()
    role_serializers = dict.fromkeys(EVERYONE, serializers.AssistanceTypeSerializer)
    write_roles = ADMINS
    filterset_class = filters.AssistanceTypeFilter
    search_fields = ("name",)
    ordering_fields = ("name", "kind", "id")
    ordering = ["kind", "name", "id"]


# --- Sessions, the trainer's sessions and the bulk roster save ---------------------------------

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,100}$")

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=IDEMPOTENCY_KEY.pattern,
    description=(
        "A key the client generates per roster save (8 to 100 of A-Z a-z 0-9 _ -). A repeat "
        "with the same key and body gets the first answer and writes nothing; the same key "
        "with another body (or session) is refused with 422. Keys are kept 30 days."
    ),
)
REPLAYED_PARAMETER = OpenApiParameter(
    "Idempotent-Replayed",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 409],
    enum=["true"],
    description="Present on the answer to a repeated request: the first answer, again.",
)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy(
        "This Idempotency-Key was already used for another request. Nothing was saved: send "
        "a new save with a new key."
    )
    default_code = "idempotency_key_reused"


class SessionViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet):
    """Training sessions. Case workers plan and change the sessions of their sites; trainers
    read their own. `taken`: places held. A PUT/PATCH needs the ETag of your last read in
    `If-Match`. `GET /sessions/mine/` and `POST /sessions/{id}/attendance/` serve the trainer's
    phone (docs/offline-attendance-api.md)."""

    # Names the model (the schema); the rows come from the training screens' selector.
    queryset = TrainingSession.objects.none()
    role_serializers = {
        **_staff(serializers.SessionSerializer, serializers.SessionAdminSerializer),
        Role.TRAINER: serializers.TrainerSessionSerializer,
    }
    write_roles = STAFF_WITH_PERSON_DATA
    action_roles = {"mine": frozenset({Role.TRAINER}), "attendance": TRAINING_STAFF}
    filterset_class = filters.SessionFilter
    ordering_fields = ("date", "id")
    ordering = ["date", "start_time", "id"]
    version_field = "version"

    def get_base_queryset(self) -> QuerySet[TrainingSession]:
        return selectors.sessions_for(self.request.user)

    def _reread(self, session: TrainingSession) -> TrainingSession:
        """The saved session as this resource shows it (with `taken`)."""
        return self.get_queryset().get(pk=session.pk)

    def perform_create(self, serializer):
        session = services.save_session(by=self.request.user, values=serializer.validated_data)
        return self._reread(session)

    def perform_update(self, serializer, instance):
        session = services.save_session(
            by=self.request.user,
            values=serializer.validated_data,
            session=instance,
            expected_version=instance.version,
        )
        return self._reread(session)

    # --- GET /sessions/mine/ ---------------------------------------------------------------

    @extend_schema(responses=serializers.MySessionSerializer(many=True))
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def mine(self, request, *args, **kwargs):
        """The trainer's own sessions from today to 7 days ahead, and yesterday's while they
        can still be corrected, each with its roster (case number and preferred name only),
        for marking attendance without a connection. Not paginated."""
        offline = selectors.offline_sessions(request.user)
        data = serializers.MySessionSerializer(offline.sessions, many=True).data
        auditing.record_list_read(request.user, Enrolment, offline.enrolment_ids)
        return Response(data, headers={"ETag": _etag_of(data)})

    # --- POST /sessions/{id}/attendance/ ---------------------------------------------------

    @extend_schema(
        request=serializers.RosterSaveSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, REPLAYED_PARAMETER],
        responses={
            200: serializers.RosterSavedSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "Not saved: the correction window has closed or the session was "
                    "cancelled (`code`: `correction_window_closed`; `detail`: the message to "
                    "show against the session). Kept under the key: a repeat gets it again."
                ),
            ),
            422: OpenApiResponse(
                ErrorSerializer,
                description="The key was used for another request (`idempotency_key_reused`).",
            ),
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def attendance(self, request, *args, **kwargs):
        """Save the whole roster of a session at once (the trainer's own sessions, on the day
        and the next; admins at any time). Needs an `Idempotency-Key`: a repeat of a save
        whose answer was lost is answered again and applied once."""
        session = self.get_object_for_update()  # another trainer's session: 404 before all else
        key = request.headers.get("Idempotency-Key", "")
        if not IDEMPOTENCY_KEY.match(key):
            raise exceptions.ValidationError(
                {
                    "Idempotency-Key": [
                        _("Send a key of 8 to 100 letters, digits, - or _ for each save.")
                    ]
                }
            )
        fingerprint = self._request_hash(request, session)
        stored = IdempotentRequest.objects.filter(user=request.user, key=key).first()
        if stored is not None:
            return self._replay(stored, fingerprint)
        body = serializers.RosterSaveSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        marked_at = body.validated_data.get("marked_at") or timezone.now()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = IdempotentRequest.objects.create(
                        user=request.user,
                        key=key,
                        request_hash=fingerprint,
                        status_code=status.HTTP_200_OK,
                    )
            except IntegrityError:
                # The same key, sent again while the first request was being answered.
                stored = IdempotentRequest.objects.get(user=request.user, key=key)
                return self._replay(stored, fingerprint)
            try:
                saved = services.save_attendance(
                    by=request.user,
                    session=session,
                    marks=body.validated_data["marks"],
                    marked_at=marked_at,
                )
            except DjangoPermissionDenied:
                code = status.HTTP_409_CONFLICT
                answer = {
                    "status": code,
                    "code": "correction_window_closed",
                    "detail": self._closed_message(session),
                    "errors": {},
                }
            except DjangoValidationError as error:
                # Nothing is kept (the key neither): the exception rolls the block back.
                errors = as_serializer_error(error)
                if "non_field_errors" in errors:
                    errors = {"marks": errors.pop("non_field_errors"), **errors}
                raise exceptions.ValidationError(errors) from error
            else:
                code = status.HTTP_200_OK
                answer = serializers.RosterSavedSerializer(
                    {
                        "session": session.pk,
                        "saved": len(body.validated_data["marks"]),
                        "changed": saved.changed,
                        "marked_at": saved.marked_at,
                        "received_at": saved.received_at,
                    }
                ).data
            claim.status_code, claim.response_body = code, answer
            claim.save(update_fields=["status_code", "response_body"])
        return self._answer(code, answer)

    @staticmethod
    def _request_hash(request, session) -> str:
        body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(f"POST attendance {session.pk}\n{body}".encode()).hexdigest()

    def _replay(self, stored: IdempotentRequest, fingerprint: str) -> Response:
        if stored.request_hash != fingerprint:
            raise IdempotencyKeyReused()
        return self._answer(stored.status_code, stored.response_body, replayed=True)

    @staticmethod
    def _answer(code: int, body: dict, replayed: bool = False) -> Response:
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        if code == status.HTTP_200_OK:
            headers["ETag"] = _etag_of(body)
        return Response(body, status=code, headers=headers)

    def _closed_message(self, session: TrainingSession) -> str:
        if session.status == TrainingSession.Status.CANCELLED:
            return _("This session was cancelled: its attendance cannot be saved.")
        if session.date > session.site_today:
            return _("Attendance for this session can be saved from %(date)s.") % {
                "date": date_format(session.date)
            }
        return _(
            "The correction window for this session closed at the end of %(date)s: this "
            "attendance was not saved. Ask an admin to correct it."
        ) % {"date": date_format(session.correction_deadline)}


# --- Enrolments and attendance ------------------------------------------------------------------


class EnrolmentViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet):
    """Enrolments: people's places in sessions. Case workers enrol people of their sites and
    change an enrolment's status (completed, dropped out, enrolled again); trainers read the
    enrolments of their own sessions (case number and preferred name only). A PATCH needs the
    ETag of your last read in `If-Match`."""

    queryset = Enrolment.objects.select_related("session").annotate(
        case_number=F("person__case_number"), participant_name=_participant_name()
    )
    role_serializers = {
        **_staff(serializers.EnrolmentSerializer),
        Role.TRAINER: serializers.TrainerEnrolmentSerializer,
    }
    write_roles = STAFF_WITH_PERSON_DATA
    filterset_class = filters.EnrolmentFilter
    ordering_fields = ("enrolled_at", "id")
    ordering = ["session_id", "person__case_number", "id"]
    audit_reads = True
    version_field = "version"

    def perform_create(self, serializer):
        data = serializer.validated_data
        (enrolment,) = services.enrol(
            by=self.request.user, session=data["session"], people=[data["person"]]
        )
        return self.get_queryset().get(pk=enrolment.pk)

    def perform_update(self, serializer, instance):
        enrolment = services.set_enrolment_status(
            by=self.request.user,
            enrolment=instance,
            status=serializer.validated_data.get("status", instance.status),
            expected_version=instance.version,
        )
        return self.get_queryset().get(pk=enrolment.pk)


class AttendanceViewSet(ListMixin, RetrieveMixin, PortalViewSet):
    """Attendance recorded for sessions (read-only: trainers save a whole roster with
    `POST /sessions/{id}/attendance/`). Trainers read their own sessions' attendance, by
    case number and preferred name only."""

    queryset = Attendance.objects.select_related("session").annotate(
        case_number=F("person__case_number"), participant_name=_participant_name()
    )
    role_serializers = {
        **_staff(serializers.AttendanceSerializer),
        Role.TRAINER: serializers.TrainerAttendanceSerializer,
    }
    # No write action exists: readers who try one get 405 (not offered), not 403.
    write_roles = frozenset(role_serializers)
    filterset_class = filters.AttendanceFilter
    ordering_fields = ("marked_at", "id")
    ordering = ["session_id", "person__case_number", "id"]
    audit_reads = True

    def audit_view(self, obj) -> None:
        auditing.record(
            auditing.Action.VIEW,
            actor=self.request.user,
            obj=obj,
            person_id=obj.person_id,
            site_id=obj.session.location_id,
        )


# --- Material assistance ----------------------------------------------------------------------


class DistributionViewSet(ListMixin, RetrieveMixin, CreateMixin, PortalViewSet):
    """Distributions of material assistance to people of your sites (never changed or
    deleted). `POST /distributions/{id}/confirm/` confirms that the person received it."""

    # Names the model (the schema); the rows come from the assistance screens' selector.
    queryset = Distribution.objects.none()
    role_serializers = _staff(serializers.DistributionSerializer)
    write_roles = STAFF_WITH_PERSON_DATA
    filterset_class = filters.DistributionFilter
    ordering_fields = ("distributed_on", "id")
    ordering = ["-distributed_on", "-id"]
    audit_reads = True
    version_field = "version"

    def get_base_queryset(self) -> QuerySet[Distribution]:
        return selectors.distributions_for(self.request.user).annotate(
            case_number=F("person__case_number")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        person = data.pop("person")
        acknowledged = data.pop("acknowledge_repeat", False)
        try:
            (distribution,) = services.distribute(
                by=self.request.user,
                location=person.location,
                assistance_type=data["assistance_type"],
                people=[person],
                quantity=data["quantity"],
                distributed_on=data.get("distributed_on") or site_today(person.location),
                partner=data.get("partner"),
                acknowledged_repeats={person.pk} if acknowledged else (),
            )
        except services.RepeatAssistance as warning:
            last = warning.last_received[person.pk]
            raise exceptions.ValidationError(
                {
                    "acknowledge_repeat": [
                        _(
                            "%(case)s received this assistance on %(date)s. To give it again, "
                            "send acknowledge_repeat: true."
                        )
                        % {"case": person.case_number, "date": last.isoformat()}
                    ]
                }
            ) from warning
        return self.get_queryset().get(pk=distribution.pk)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, *args, **kwargs):
        """Confirm that the person received this assistance (once; a repeat changes nothing).
        If-Match is optional: a stale one answers 412."""
        with transaction.atomic():
            distribution = self.get_object_for_update()
            services.confirm_receipt(
                by=request.user,
                distribution=distribution,
                expected_version=self.expected_version(distribution),
            )
        return self.object_response(self.get_queryset().get(pk=distribution.pk))


# --- Safe homes -------------------------------------------------------------------------------


class HomeViewSet(ListMixin, RetrieveMixin, PortalViewSet):
    """Safe homes of your sites with their occupancy (read-only; no address is stored)."""

    queryset = SafeHome.objects.annotate(
        occupied=_count(Stay.objects.filter(check_out__isnull=True), "home")
    ).annotate(free=Greatest(F("capacity") - F("occupied"), Value(0)))
    role_serializers = _staff(serializers.HomeSerializer)
    write_roles = frozenset(role_serializers)  # no write action: 405
    filterset_class = filters.HomeFilter
    search_fields = ("name",)
    ordering_fields = ("name", "id")
    ordering = ["location__name", "name", "id"]


class StayViewSet(ListMixin, RetrieveMixin, CreateMixin, PortalViewSet):
    """Stays in safe homes. Creating one checks a person in (a full home only with
    `over_capacity_reason`); `POST /stays/{id}/check-out/` ends it."""

    queryset = Stay.objects.select_related("home").annotate(case_number=F("person__case_number"))
    role_serializers = _staff(serializers.StaySerializer)
    write_roles = STAFF_WITH_PERSON_DATA
    filterset_class = filters.StayFilter
    ordering_fields = ("check_in", "id")
    ordering = ["-check_in", "-id"]
    audit_reads = True
    version_field = "version"

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            stay = services.check_in(
                by=self.request.user,
                person=data["person"],
                home=data["home"],
                check_in_on=data.get("check_in") or site_today(data["home"].location),
                override_reason=data.get("over_capacity_reason", ""),
            )
        except DjangoValidationError as error:
            # The service names the reason as the screen's form does.
            errors = as_serializer_error(error)
            if "override_reason" in errors:
                errors["over_capacity_reason"] = errors.pop("override_reason")
            raise exceptions.ValidationError(errors) from error
        return self.get_queryset().get(pk=stay.pk)

    @extend_schema(request=serializers.CheckOutSerializer)
    @action(detail=True, methods=["post"], url_path="check-out", filter_backends=[])
    def check_out(self, request, *args, **kwargs):
        """End a stay (the check-out date defaults to today; a second check-out is refused).
        If-Match is optional: a stale one answers 412."""
        with transaction.atomic():
            stay = self.get_object_for_update()
            body = serializers.CheckOutSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.check_out(
                by=request.user,
                stay=stay,
                check_out_on=body.validated_data.get("check_out") or site_today(stay.home.location),
                expected_version=self.expected_version(stay),
            )
        return self.object_response(self.get_queryset().get(pk=stay.pk))
