"""People API: people (with exits), exits, case notes, follow-ups, transfers, transfer
requests and partners.

Admins and case workers, as on the screens; trainers and analysts are refused (403). Every
queryset is scoped by the base class (`visible_to`), people through the screens' selector
(`people.selectors`): records of other sites answer 404.
Writes call `people.services`, which write the audit rows in the same transaction. Every
change of a record carries the version it was read at (ETag/If-Match, `portal.api.views`).
"""

from __future__ import annotations

from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from people import selectors, services, transfers
from people.api import filters, rows, serializers
from people.models import CaseNote, Exit, FollowUp, Partner, Person, Transfer, TransferRequest
from portal import auditing
from portal.api.exceptions import PreconditionFailed
from portal.api.pagination import BodyPagination
from portal.api.views import CreateMixin, ListMixin, PortalViewSet, RetrieveMixin, UpdateMixin
from portal.roles import ADMINS, STAFF_WITH_PERSON_DATA, Role


def _staff(serializer_class, admin_serializer_class=None) -> dict:
    return {
        Role.ADMIN: admin_serializer_class or serializer_class,
        Role.CASE_WORKER: serializer_class,
    }


class PersonViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet):
    """People. The list takes the people screen's filters that say nothing about who a person
    is (site, status, exit, ordering); searching by case number, name (Latin or Burmese,
    Unicode or Zawgyi) or phone is `POST /api/v1/people/search/`, with the terms in the body:
    a URL is logged. Names typed in Zawgyi are stored as Unicode. A PUT/PATCH needs the ETag
    of your last read in `If-Match`. The status changes only through
    `POST /people/{id}/status/` (the case workflow, also with `If-Match`); a new person starts
    as intake or active."""

    # Names the model (the schema); the rows come from the people screens' selector.
    queryset = Person.objects.none()
    role_serializers = _staff(serializers.PersonSerializer, serializers.PersonAdminSerializer)
    write_roles = STAFF_WITH_PERSON_DATA
    filterset_class = filters.PersonApiFilter
    # `q` and `ordering` come from the screen's FilterSet, not from the generic backends.
    filter_backends = PortalViewSet.filter_backends[:1]
    version_field = "version"
    audit_reads = True
    # A search reads: the roles that read people, although it is a POST.
    action_roles = {"search": frozenset(role_serializers)}

    def get_base_queryset(self) -> QuerySet[Person]:
        if self.action in ("list", "search"):
            return selectors.people_list_with_exits_for(self.request.user)
        return selectors.people_with_exits_for(self.request.user)

    def page_reader(self):
        """The list's and the search's pages are read as values for the caller's serializer
        (`people.api.rows`): no model object, no prefetch machinery."""
        if self.action not in ("list", "search"):
            return None
        plan = rows.reading_plan(self.get_serializer_class())
        return partial(rows.read_people_rows, plan=plan) if plan is not None else None

    @extend_schema(
        request=serializers.PersonSearchSerializer,
        responses=serializers.PersonSearchPageSerializer,
        description=(
            "Search people with the terms in a JSON body, never in the URL (URLs are logged): "
            "`q` (case number, any name in Latin or Burmese script, Unicode or Zawgyi, or a "
            "phone number) and the list's filters, `ordering`, `page` and `page_size`. The "
            "answer gives `next_page`/`previous_page`: send the same body again with that "
            "`page`. Audited and throttled as the list."
        ),
    )
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def search(self, request, *args, **kwargs):
        criteria = serializers.PersonSearchSerializer(data=request.data)
        criteria.is_valid(raise_exception=True)
        filterset = filters.PersonSearchFilter(
            data=criteria.filter_data(), queryset=self.get_queryset(), request=request
        )
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        paginator = BodyPagination()
        objects = list(paginator.paginate_queryset(filterset.qs, request, view=self))
        data = self.represent_many(objects)
        self.audit_list(objects)
        return paginator.get_paginated_response(data)

    @extend_schema(
        responses={
            201: serializers.PersonAdminSerializer,
            409: OpenApiResponse(
                serializers.PossibleDuplicatesSerializer,
                description=(
                    "Possible duplicates (`code`: `possible_duplicates`): nothing was saved. "
                    "`candidates` at your sites (case number, score, reasons; a restricted "
                    "record you do not see: case number only), `other_sites` counts those "
                    "elsewhere (an admin reviews them). Send the same body with "
                    '`"confirm_new_person": true` to register the person anyway.'
                ),
            ),
        }
    )
    def create(self, request, *args, **kwargs):
        """Register a person. Answers 409 with the possible duplicates unless the body says
        `"confirm_new_person": true`."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        if not values.get("confirm_new_person"):
            found = selectors.duplicate_candidates_for(
                request.user, **candidate_terms(values, (values.get("exit") or {}))
            )
            if found.shown or found.elsewhere:
                return self.possible_duplicates_response(found)
        with transaction.atomic():
            obj = self.perform_create(serializer)
        return self.object_response(obj, status.HTTP_201_CREATED)

    def possible_duplicates_response(self, found: selectors.CandidatesForUser) -> Response:
        # The case numbers shown are audited like the registration screen's warning.
        auditing.record_page_read(
            self.request.user, "people.possible_duplicates", [c.person for c in found.shown]
        )
        detail = _("Possible duplicates: nothing was saved.")
        if found.elsewhere:
            detail += " " + _("A possible match exists at another site; an admin will review it.")
        detail += " " + _('Send "confirm_new_person": true to register the person anyway.')
        body = {
            "status": status.HTTP_409_CONFLICT,
            "code": "possible_duplicates",
            "detail": detail,
            "errors": {},
            "candidates": serializers.DuplicateCandidateSerializer(found.shown, many=True).data,
            "other_sites": found.elsewhere,
        }
        return Response(body, status=status.HTTP_409_CONFLICT)

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        values.pop("confirm_new_person", None)
        exit_data = values.pop("exit", None)
        return services.create_person(
            by=self.request.user, person_data=values, exit_data=exit_data
        ).obj

    def perform_update(self, serializer, instance):
        return services.update_person(
            by=self.request.user,
            person=instance,
            values=serializer.validated_data,
            expected_version=instance.version,
        ).obj

    @extend_schema(
        request=serializers.StatusChangeSerializer, responses=serializers.PersonAdminSerializer
    )
    @action(detail=True, methods=["post"], url_path="status", filter_backends=[])
    def change_status(self, request, *args, **kwargs):
        """Move the case along the status workflow (README "People and cases"): `to_status`,
        a `closing_reason` when closing (`note` with "other"), a `note` when reopening,
        `changed_on` (default today). Needs the person's ETag in `If-Match` (428 without,
        412 stale); a refused change answers 400 with the reason by field."""
        expected = self.if_match()
        body = serializers.StatusChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            person = self.get_object_for_update()
            if self.etag_for(person) not in expected:
                raise PreconditionFailed()
            services.change_status(
                by=request.user,
                person=person,
                expected_version=person.version,
                **body.validated_data,
            )
        return self.object_response(self.get_queryset().get(pk=person.pk))


def candidate_terms(values: dict, exit_values: dict) -> dict:
    """What `duplicates.find_candidates` compares, from a new person's validated values."""
    return {
        "full_name": values.get("full_name", ""),
        "name_my": values.get("name_my", ""),
        "birth_year": values.get("birth_year"),
        "phone": values.get("phone", ""),
        "sex": values.get("sex", ""),
        "origin_region": values.get("origin_region", ""),
        "exit_date": exit_values.get("exit_date"),
        "reference": values.get("reference", ""),
    }


class ExitViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet):
    """How people left the armed forces, police or militia (one person may have several)."""

    queryset = Exit.objects.select_related("person")
    role_serializers = _staff(serializers.ExitSerializer)
    write_roles = STAFF_WITH_PERSON_DATA
    filterset_class = filters.ExitFilter
    ordering_fields = ("exit_date", "id")
    ordering = ["-exit_date", "-id"]
    audit_reads = True
    version_field = "version"

    def perform_create(self, serializer):
        values = dict(serializer.validated_data)
        person = values.pop("person")
        return services.save_exit(by=self.request.user, person=person, values=values)

    def perform_update(self, serializer, instance):
        return services.save_exit(
            by=self.request.user,
            person=instance.person,
            values=serializer.validated_data,
            exit=instance,
            expected_version=instance.version,
        )


class CaseNoteViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet):
    """Case notes. Only the author may change a note, within 24 hours; notes are never
    deleted."""

    queryset = CaseNote.objects.select_related("person", "author")
    role_serializers = _staff(serializers.CaseNoteSerializer)
    write_roles = STAFF_WITH_PERSON_DATA
    filterset_class = filters.CaseNoteFilter
    ordering_fields = ("created_at", "id")
    ordering = ["-created_at", "-id"]
    audit_reads = True
    version_field = "version"

    def check_update_allowed(self, instance) -> None:
        if not instance.editable_by(self.request.user):
            raise PermissionDenied(_("Only the author can edit a note, within 24 hours."))

    def perform_create(self, serializer):
        data = serializer.validated_data
        return services.add_note(by=self.request.user, person=data["person"], text=data["text"])

    def perform_update(self, serializer, instance):
        text = serializer.validated_data.get("text", instance.text)
        return services.edit_note(
            by=self.request.user, note=instance, text=text, expected_version=instance.version
        )


class FollowUpViewSet(ListMixin, RetrieveMixin, CreateMixin, PortalViewSet):
    """Follow-ups planned for people; `POST /follow-ups/{id}/complete/` marks one done."""

    queryset = FollowUp.objects.select_related("person")
    role_serializers = _staff(serializers.FollowUpSerializer)
    write_roles = STAFF_WITH_PERSON_DATA
    filterset_class = filters.FollowUpFilter
    ordering_fields = ("due_on", "created_at", "id")
    ordering = ["due_on", "id"]
    audit_reads = True
    version_field = "version"

    def perform_create(self, serializer):
        return services.add_follow_up(by=self.request.user, **serializer.validated_data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        """Mark the follow-up done (once; a repeat changes nothing). If-Match is optional:
        a stale one answers 412."""
        with transaction.atomic():
            follow_up = self.get_object_for_update()
            follow_up = services.complete_follow_up(
                by=request.user,
                follow_up=follow_up,
                expected_version=self.expected_version(follow_up),
            )
        return self.object_response(follow_up)


class TransferViewSet(ListMixin, RetrieveMixin, PortalViewSet):
    """Transfers of people between sites: the history of accepted transfer requests, read
    only (a transfer is asked for and answered through `/transfer-requests/`). The old site
    keeps seeing it after the person moved."""

    queryset = Transfer.objects.select_related("person")
    role_serializers = _staff(serializers.TransferSerializer)
    filterset_class = filters.TransferFilter
    ordering_fields = ("transferred_on", "id")
    ordering = ["-transferred_on", "-id"]
    audit_reads = True


# A request answered (or withdrawn) already, a reason missing, a case worker not of the
# receiving site: 400 with the reason; the If-Match of an older read: 412.
_DECISION_RESPONSES = {
    200: serializers.TransferRequestSerializer,
    400: OpenApiResponse(description="Refused: the reason, by field."),
    403: OpenApiResponse(description="Not the receiving (or, to withdraw, sending) site."),
    404: OpenApiResponse(description="Not found in your scope."),
    412: OpenApiResponse(description="If-Match names an older version."),
}


class TransferRequestViewSet(ListMixin, RetrieveMixin, CreateMixin, PortalViewSet):
    """Transfer requests (README "People and cases"). `POST /transfer-requests/` asks the
    receiving site to take a person on (the person stays at their site until accepted; one
    open request per person). The receiving site (or an admin) answers with
    `POST .../accept/` (`new_case_worker`: the person moves, their open follow-ups go to the
    new case worker) or `POST .../decline/` (`decline_reason`); the sending site (or an
    admin) may `POST .../withdraw/` while it is open. `direction=incoming|outgoing` filters
    the list. Each answer takes an optional If-Match (412 when stale); of two answers at the
    same time one wins, the other is refused with 400 saying who answered."""

    queryset = TransferRequest.objects.none()
    role_serializers = _staff(serializers.TransferRequestSerializer)
    write_roles = STAFF_WITH_PERSON_DATA
    filterset_class = filters.TransferRequestFilter
    ordering_fields = ("requested_at", "decided_at", "id")
    ordering = ["-requested_at", "-id"]
    audit_reads = True
    version_field = "version"

    def get_base_queryset(self) -> QuerySet[TransferRequest]:
        return selectors.transfer_requests_for(self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        return transfers.request_transfer(
            by=self.request.user,
            person=data["person"],
            to_location=data["to_location"],
            reason=data["reason"],
        )

    def _answer(self, body_class, may, change) -> object:
        """Who may answer is checked before the body (a sending site's caller is refused with
        403, not told that its case worker is no choice), then the service decides."""
        transfer_request = self.get_object()
        if transfer_request.is_open and not may(self.request.user, transfer_request):
            raise PermissionDenied(_("Your site cannot give this answer to this transfer."))
        values = {}
        if body_class is not None:
            body = body_class(data=self.request.data, context=self.get_serializer_context())
            body.is_valid(raise_exception=True)
            values = body.validated_data
        change(transfer_request, self.expected_version(transfer_request), values)
        return self.object_response(self.get_queryset().get(pk=transfer_request.pk))

    @extend_schema(request=serializers.AcceptTransferSerializer, responses=_DECISION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def accept(self, request, *args, **kwargs):
        return self._answer(
            serializers.AcceptTransferSerializer,
            transfers.may_decide,
            lambda record, version, values: transfers.accept_transfer(
                by=request.user,
                request=record,
                new_case_worker=values["new_case_worker"],
                expected_version=version,
            ),
        )

    @extend_schema(request=serializers.DeclineTransferSerializer, responses=_DECISION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def decline(self, request, *args, **kwargs):
        return self._answer(
            serializers.DeclineTransferSerializer,
            transfers.may_decide,
            lambda record, version, values: transfers.decline_transfer(
                by=request.user,
                request=record,
                reason=values["decline_reason"],
                expected_version=version,
            ),
        )

    @extend_schema(request=None, responses=_DECISION_RESPONSES)
    @action(detail=True, methods=["post"], filter_backends=[])
    def withdraw(self, request, *args, **kwargs):
        return self._answer(
            None,
            transfers.may_withdraw,
            lambda record, version, values: transfers.withdraw_transfer(
                by=request.user, request=record, expected_version=version
            ),
        )


class PartnerViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet):
    """Partner organisations people are referred to. Case workers read; admins change."""

    queryset = Partner.objects.all()
    role_serializers = _staff(serializers.PartnerSerializer)
    write_roles = ADMINS
    filterset_class = filters.PartnerFilter
    search_fields = ("name",)
    ordering_fields = ("name", "id")
    ordering = ["name", "id"]
    version_field = "version"

    def perform_create(self, serializer):
        return services.save_partner(by=self.request.user, values=serializer.validated_data)

    def perform_update(self, serializer, instance):
        return services.save_partner(
            by=self.request.user,
            values=serializer.validated_data,
            partner=instance,
            expected_version=instance.version,
        )
