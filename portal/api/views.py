"""Base classes of every API endpoint.

A resource is a `PortalViewSet` subclass that declares, and nothing else:

    class ThingViewSet(ListMixin, RetrieveMixin, CreateMixin, UpdateMixin, PortalViewSet):
        queryset = Thing.objects.select_related(...)       # unscoped: narrowed by visible_to
        role_serializers = {Role.ADMIN: ThingSerializer, Role.CASE_WORKER: ThingSerializer}
        write_roles = STAFF_WITH_PERSON_DATA              # roles that may create/change
        filterset_class = ThingFilter                     # optional, plus search/ordering
        search_fields, ordering_fields, ordering = ..., ..., ...
        audit_reads = True                                # person-level data

        def perform_create(self, serializer):             # call the service, return the object
            return services.create_thing(by=self.request.user, **serializer.validated_data)

        def perform_update(self, serializer, instance):
            return services.update_thing(by=..., thing=instance, values=serializer.validated_data)

A resource the screens read through a selector takes its rows from that selector instead, so
that the rule (scope, merged-away records, what is loaded) is written once:

    queryset = Thing.objects.none()                       # names the model (the schema)

    def get_base_queryset(self):                          # the screens' selector (it scopes)
        return selectors.things_for(self.request.user)

The base class gives: authentication by personal token or session (CSRF), deny by default,
roles per action, the scoping of every queryset (`visible_to`, so records of other sites
answer 404), the serializer of the caller's role, strict pagination/filters/ordering, ETags
and required `If-Match` on PUT/PATCH (428 without, 412 when stale), audit rows for reads of
person-level data, one error format, and the `access_rule` the URL walk test looks for.

Optimistic locking, the same rule as the screens' (`portal.concurrency`): every record that
can be changed has a `version`, which is its ETag (`"3"`). A resource with PUT/PATCH
(`UpdateMixin`) declares `version_field = "version"` and hands the version to its service,
which compares it again under a row lock; every writable endpoint, by resource:

    people        PUT/PATCH: If-Match required (428 without, 412 stale). POST
                  /people/{id}/status/ (the status workflow): If-Match required too.
                  POST /people/ with possible duplicates answers 409 with them unless
                  the body confirms a new person (`confirm_new_person`).
    exits, case notes, partners, courses, assistance types, sessions, enrolments:
                  PUT/PATCH with If-Match required (428 / 412).
    POST .../complete/ (follow-ups), .../confirm/ (distributions), .../check-out/ (stays):
                  one-way changes that a repeat cannot undo (done once, confirmed once, a
                  stay ends once; a second check-out is refused with 400). If-Match is
                  optional: when sent, a stale one answers 412 and nothing changes.
    POST .../accept/, .../decline/, .../withdraw/ (transfer requests): one-way answers, the
                  same optional If-Match; an answer to a request answered meanwhile is
                  refused with 400 saying who answered (the service's row lock).
    creations (POST to a list) change no existing record; the trainer's bulk roster save
                  (`POST /sessions/{id}/attendance/`) is made idempotent by its key instead
                  (docs/offline-attendance-api.md).

A stale write is refused with 412 and the standard error body (`code`:
`precondition_failed`), and nothing is written; `tests/api/test_locking_everywhere.py`
fails when a writable endpoint lacks the check.
No personal data in URLs (they are logged by every server and proxy on the way): a list's
query parameters filter by what says nothing about who a person is (site, status, dates,
the id of a related record), never by a name, phone number or case number. Such terms go in
a JSON body: people are searched with `POST /api/v1/people/search/` (`q` and the list's
filters, `ordering`, `page`, `page_size`; the answer gives `next_page`/`previous_page`, page
numbers to send again, never links), audited and throttled as the list. A personal parameter
in the query string of any API URL (`portal.api.filters.PERSONAL_QUERY_PARAMETERS`: `q`,
`phone`, `name`...) is refused with 400 naming the search endpoint, and audited as a denial
(the parameters' names, never their values). A resource that needs a personal search adds
a POST action the same way, never a filter.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from knox.auth import TokenAuthentication
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import GenericViewSet

from portal import auditing
from portal.api.exceptions import PreconditionFailed, PreconditionRequired, exception_handler
from portal.api.filters import FILTER_BACKENDS, MAX_ID, refuse_personal_query_parameters
from portal.api.permissions import API_PERMISSIONS, API_RULE, SIGNED_IN_PERMISSIONS
from portal.api.representation import represent_many
from portal.api.schema import PortalAutoSchema
from portal.roles import Role
from portal.scoping import ReadOnlyRecord, only_writable, visible_to

ETAG = re.compile(r'(W/)?("[^"]*")')
ETAG_LIST = re.compile(r'^(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*$')

# Personal tokens for scripts, the session for the browser (DRF enforces CSRF on it).
# Never HTTP Basic: a password must not travel with every request.
AUTHENTICATION_CLASSES = [TokenAuthentication, SessionAuthentication]


class ApiViewMixin:
    """What every API view shares, including the schema and docs views."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = API_PERMISSIONS
    metadata_class = None  # no OPTIONS introspection: the schema documents the API

    @classmethod
    def as_view(cls, *args, **initkwargs):
        view = super().as_view(*args, **initkwargs)
        view.access_rule = API_RULE
        return view

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # After authentication and the role check (401/403 first), before the view reads.
        refuse_personal_query_parameters(request)


class PortalViewSet(ApiViewMixin, GenericViewSet):
    schema = PortalAutoSchema()
    # Records of a PortalViewSet carry ETags and take If-Match (the schema documents both).
    follows_record_contract = True
    filter_backends = FILTER_BACKENDS
    parser_classes = [JSONParser]
    # Declared by each resource (see the module docstring).
    role_serializers: dict[str, type] = {}
    write_roles: frozenset[str] = frozenset()
    action_roles: dict[str, frozenset[str]] = {}
    audit_reads = False
    # The role whose serializer the OpenAPI schema shows (fields only some roles get are
    # documented as optional).
    schema_role = Role.ADMIN
    # A model field incremented on every change; without one, ETags hash the representation.
    version_field: str | None = None
    search_fields: tuple[str, ...] = ()
    ordering_fields: tuple[str, ...] = ()

    # --- Scope and serializers ----------------------------------------------------------------

    def get_queryset(self) -> QuerySet:
        """The one place where API querysets are scoped: records outside answer 404."""
        return self.get_base_queryset()

    def get_base_queryset(self) -> QuerySet:
        """The caller's records: `queryset` narrowed by `visible_to`. A resource the screens
        read through a selector overrides this to return the selector's queryset (which
        starts from `visible_to`), so that the API repeats none of the selector's rules."""
        return visible_to(self.request.user, super().get_queryset())

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False):
            return self.role_serializers[self.schema_role]
        # RolePermission has refused roles without a serializer before we get here.
        return self.role_serializers[self.request.user.role]

    def finalize_response(self, request, response, *args, **kwargs):
        # Text sent in Zawgyi was converted by the serializer (`people.burmese_input`): the
        # caller is told which fields, as the screens tell the user.
        converted = getattr(request, "zawgyi_converted", None)
        if converted and response.status_code < 400:
            response["Zawgyi-Converted"] = ", ".join(dict.fromkeys(converted))
        return super().finalize_response(request, response, *args, **kwargs)

    # --- ETags and If-Match ---------------------------------------------------------------------

    def etag_for(self, obj) -> str:
        if self.version_field:
            return f'"{getattr(obj, self.version_field)}"'
        data = self.get_serializer(obj).data
        digest = hashlib.sha256(
            json.dumps(data, sort_keys=True, default=str).encode("utf-8")
        ).hexdigest()
        return f'"{digest[:32]}"'

    def if_match(self) -> list[str]:
        """The strong ETags of the If-Match header: 428 without one (`*` does not count: a
        change must say which version it was made on), 400 when malformed."""
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            raise PreconditionRequired()
        if not ETAG_LIST.match(header):
            raise ValidationError({"If-Match": [_('Send the ETag as read, e.g. "3".')]})
        # If-Match compares strongly: a weak ETag never matches.
        return [tag for weak, tag in ETAG.findall(header) if not weak]

    def expected_version(self, instance) -> int:
        """For a POST action that changes one record (locked by `get_object_for_update`): the
        record's version, after checking If-Match when one was sent (412 when stale). Used
        by one-way changes only (see the module docstring); edits require If-Match."""
        if self.request.headers.get("If-Match", "").strip():
            if self.etag_for(instance) not in self.if_match():
                raise PreconditionFailed()
        return getattr(instance, self.version_field)

    def page_reader(self) -> Callable[[QuerySet], list] | None:
        """How a page of the list is read from its queryset (None: as model objects); a
        resource whose pages are read as values returns its reader (`Pagination`)."""
        return None

    def represent_many(self, objects) -> list:
        """The data of a list's rows in the caller's field set (`get_serializer(objects,
        many=True).data`), from a serializer shared by every request when its fields read
        nothing but the rows (`portal.api.representation`)."""
        return represent_many(self.get_serializer_class(), objects, self.get_serializer_context())

    def object_response(self, obj, status_code: int = status.HTTP_200_OK) -> Response:
        """One record in the caller's field set, with its ETag."""
        data = self.get_serializer(obj).data
        return Response(data, status=status_code, headers={"ETag": self.etag_for(obj)})

    def lookup_value(self) -> int:
        """The id in the URL; anything but a possible primary key is simply not found."""
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if not (value.isascii() and value.isdigit()) or not 0 < int(value) <= MAX_ID:
            raise NotFound()
        return int(value)

    def get_object(self):
        # The list's filters do not apply to one record.
        queryset = self.get_queryset()
        obj = get_object_or_404(queryset, **{self.lookup_field: self.lookup_value()})
        self.check_object_permissions(self.request, obj)
        return obj

    def get_object_for_update(self):
        """The record to change (in scope, else 404), locked until the transaction ends. A
        record the caller sees only as history (about a person who has moved to a site that
        is not theirs) is refused with 403 (`ReadOnlyRecord`, audited)."""
        queryset = self.get_queryset()
        lookup = {self.lookup_field: self.lookup_value()}
        writable = only_writable(self.request.user, queryset).select_for_update(of=("self",))
        try:
            obj = get_object_or_404(writable, **lookup)
        except Http404:
            if queryset.filter(**lookup).exists():
                raise ReadOnlyRecord() from None
            raise
        self.check_object_permissions(self.request, obj)
        return obj

    # --- Audit ------------------------------------------------------------------------------------

    def audit_view(self, obj) -> None:
        if self.audit_reads:
            auditing.record(auditing.Action.VIEW, actor=self.request.user, obj=obj)

    def audit_list(self, objects) -> None:
        """One VIEW row per list request (not per record), with the ids that were listed."""
        if self.audit_reads:
            # The model named by the class: `get_queryset()` would build the scoped queryset
            # again (for the people list, its scope, subqueries and prefetch) only to read it.
            model = self.queryset.model if self.queryset is not None else self.get_queryset().model
            auditing.record_list_read(self.request.user, model, [obj.pk for obj in objects])

    # --- Hooks for the resource ----------------------------------------------------------------

    def check_update_allowed(self, instance) -> None:
        """Refuse (PermissionDenied) an update the caller's role admits but this record not."""

    def perform_create(self, serializer):
        raise NotImplementedError

    def perform_update(self, serializer, instance):
        raise NotImplementedError


class ListMixin:
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        objects = list(page if page is not None else queryset)
        data = self.represent_many(objects)
        self.audit_list(objects)
        if page is not None:
            return self.get_paginated_response(data)
        return Response(data)


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self.audit_view(obj)
        return self.object_response(obj)


class CreateMixin:
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            obj = self.perform_create(serializer)
        return self.object_response(obj, status.HTTP_201_CREATED)


class UpdateMixin:
    """PUT and PATCH with optimistic locking: If-Match is required (428) and must match the
    current ETag (412). A body that is invalid anyway is refused first (400)."""

    def update(self, request, *args, partial: bool = False, **kwargs):
        if not self.version_field:
            # The ETag must be the version the service compares (portal.concurrency).
            raise ImproperlyConfigured(f"{type(self).__name__} needs a version_field.")
        expected = self.if_match()
        with transaction.atomic():
            instance = self.get_object_for_update()
            self.check_update_allowed(instance)
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            if self.etag_for(instance) not in expected:
                raise PreconditionFailed()
            obj = self.perform_update(serializer, instance)
        return self.object_response(obj)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


# --- Schema, docs and the API's 404 ---------------------------------------------------------------


class SchemaView(ApiViewMixin, SpectacularAPIView):
    """The OpenAPI 3 schema (`?format=json` for JSON). Signed-in users only."""

    permission_classes = SIGNED_IN_PERMISSIONS


class DocsView(ApiViewMixin, SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar's static files (no CDN); its script is a separate request
    (`?script`) so that the page needs no inline script, as the CSP requires."""

    permission_classes = SIGNED_IN_PERMISSIONS
    template_name = "portal/api_docs.html"
    url_name = "api:schema"


class NotFoundView(ApiViewMixin, APIView):
    """Any other path under /api/: a JSON 404 (the same error format as the API's)."""

    permission_classes = SIGNED_IN_PERMISSIONS
    renderer_classes = [JSONRenderer]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        raise NotFound()

    post = put = patch = delete = get
