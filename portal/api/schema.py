"""OpenAPI generation for the portal's API views (drf-spectacular).

Adds what every operation of `PortalViewSet` shares, so that the schema describes every
response the API can give (schemathesis checks that):

- the error responses (`ErrorSerializer`): 401, 403 and 429 everywhere; 400 for lists
  (filters, pagination) and writes; 404 for one record (and a page past the end); 412 and
  428 for PUT/PATCH;
- the `If-Match` request header (required) on PUT/PATCH and the `ETag` response header on
  every single-record response; the `Zawgyi-Converted` response header on writes;
- fields that only some roles see (per-role serializers) are not `required` in responses.
"""

from __future__ import annotations

import uritemplate
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from portal.api.serializers import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `errors` lists the messages per field.",
    401: "Not signed in: send `Authorization: Token <token>` or use a session.",
    403: (
        "Your role may not do this (or two-factor authentication or the pledge is missing), "
        "or the record is history your site keeps of someone transferred away "
        "(`code`: `read_only_history`)."
    ),
    404: "No such record within your sites (or no such page).",
    412: "The record changed since the ETag you sent: nothing was saved.",
    428: "`If-Match` is missing: send the ETag of your last read.",
    429: "Too many requests: wait for the number of seconds in `Retry-After`.",
}

# Actions that answer a page of records (no ETag; 400 for filters, 404 past the last page):
# the list, and a search with its terms in the body (`POST .../search/`).
LIST_ACTIONS = frozenset({"list", "search"})
# POST actions that change a record and require its ETag in If-Match.
IF_MATCH_ACTIONS = {"change_status"}

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    pattern=r'^(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*$',
    description=(
        "The `ETag` of your last read of this record (optimistic locking). `*` is not "
        "accepted: a change must say which version it was made on."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    response=[200, 201],
    description="The version of this record: send it back in `If-Match` to change it.",
)

ZAWGYI_CONVERTED = OpenApiParameter(
    "Zawgyi-Converted",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    response=[200, 201],
    description=(
        "Present when Burmese text was sent in Zawgyi: the fields (comma-separated) that "
        "were converted to Unicode before saving."
    ),
)


class PortalAutoSchema(AutoSchema):
    def _is_portal_viewset(self) -> bool:
        # An attribute of `PortalViewSet`, not an isinstance check: the views module imports
        # this one, so importing it back would be a cycle.
        return getattr(self.view, "follows_record_contract", False)

    def _is_detail(self) -> bool:
        return bool(uritemplate.variables(self.path))

    def _is_update(self) -> bool:
        # PUT/PATCH, and the POST actions that change a record and require its ETag in
        # If-Match (the case workflow's status change).
        return self.method in ("PUT", "PATCH") or (
            getattr(self.view, "action", None) in IF_MATCH_ACTIONS
        )

    def get_tags(self) -> list[str]:
        # /api/v1/people/... -> "people"
        tokens = self._tokenize_path()
        return tokens[1:2] if tokens[:1] == ["v1"] else tokens[:1]

    def _single_object(self) -> bool:
        return self._is_portal_viewset() and not self._is_list()

    def _is_list(self) -> bool:
        return getattr(self.view, "action", None) in LIST_ACTIONS

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._is_portal_viewset() and self._is_update():
            parameters.append(IF_MATCH)
        if self._single_object():
            parameters.append(ETAG)
            if self.method in ("POST", "PUT", "PATCH"):
                parameters.append(ZAWGYI_CONVERTED)
        return parameters

    def _error_codes(self) -> list[int]:
        codes = [401, 403, 429]
        if self.method != "GET" or self._is_list():
            codes.append(400)
        if self._is_detail() or self._is_list():
            codes.append(404)
        if self._is_portal_viewset() and self._is_update():
            codes += [412, 428]
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            responses.setdefault(
                str(code),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code]),
                    str(code),
                    direction=direction,
                ),
            )
        return responses

    def _create_only_fields(self, serializer, direction) -> set[str]:
        if direction != "request" or not self._is_update():
            return set()
        return set(getattr(getattr(serializer, "Meta", None), "create_only_fields", ()))

    def _get_serializer_name(self, serializer, direction, bypass_extensions=False) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        if self._create_only_fields(serializer, direction):
            # The body of a PUT/PATCH lacks the create-only fields: a component of its own.
            name = name.removesuffix("Request") + "UpdateRequest"
        return name

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        for name in self._create_only_fields(serializer, direction):
            schema["properties"].pop(name, None)
            if name in schema.get("required", []):
                schema["required"].remove(name)
        optional = self._role_dependent_fields(serializer)
        if optional and schema.get("required"):
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema

    def _role_dependent_fields(self, serializer) -> set[str]:
        """Fields of the documented serializer that some readers of this view do not get."""
        classes = set(getattr(self.view, "role_serializers", {}).values())
        if type(serializer) not in classes or len(classes) < 2:
            return set()
        names = [set(cls(context=serializer.context).fields) for cls in classes]
        return set.union(*names) - set.intersection(*names)
