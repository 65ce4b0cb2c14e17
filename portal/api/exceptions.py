"""One error body for every API error, with field errors.

    {"status": 400, "code": "invalid", "detail": "Invalid input.",
     "errors": {"birth_year": ["Enter a birth year between 1930 and 2016."]}}

`errors` maps field names (or `non_field_errors`) to lists of messages; nested objects nest.
It is empty for errors that are not about fields (401, 403, 404, 412, 428, 429...).
Django `ValidationError`s raised by the services (model `full_clean`) become 400 with the same
shape, and a stale optimistic-locking write (`StaleEditError`) becomes 412.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connections
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from portal import auditing
from portal.api.filters import PersonalDataInUrl
from portal.api.permissions import RoleDenied
from portal.concurrency import StaleEditError
from portal.scoping import ReadOnlyRecord


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send the ETag of your last read of this record in an If-Match header "
        "(a change without it could overwrite someone else's)."
    )
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "Someone else changed this record since you read it. Nothing was saved: read it again "
        "and repeat your change."
    )
    default_code = "precondition_failed"


BEFORE_ANY_WRITE = (
    RoleDenied,
    PersonalDataInUrl,
    exceptions.AuthenticationFailed,
    exceptions.NotAuthenticated,
)


def _translate(exc):
    """Exceptions from Django and from the services, as DRF exceptions."""
    if isinstance(exc, StaleEditError):
        return PreconditionFailed()
    if isinstance(exc, ReadOnlyRecord):
        # A refusal by the scoping rules (history a site keeps of someone transferred away):
        # audited like a role's refusal, before anything was written.
        return RoleDenied(str(exc.args[0]), code="read_only_history")
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def _code(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc, context):
    exc = _translate(exc)
    if isinstance(exc, RoleDenied):
        _record_denial(context)
    elif isinstance(exc, PersonalDataInUrl):
        # The names of the parameters, never their values.
        _record_denial(context, {"refused_parameters": [None, sorted(exc.detail)]})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (never with personal data)
    if isinstance(exc, BEFORE_ANY_WRITE):
        # Raised by authentication or the permission check, before the view wrote anything:
        # keep what they wrote (the audit row of a denial, knox's deletion of an expired
        # token) although DRF's handler marked the request's transaction for rollback.
        for connection in connections.all(initialized_only=True):
            if connection.settings_dict["ATOMIC_REQUESTS"] and connection.in_atomic_block:
                connection.set_rollback(False)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        errors = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        message = _("Invalid input.")
    else:
        errors = {}
        message = exc.detail if isinstance(exc.detail, str) else str(exc.default_detail)
    response.data = {
        "status": response.status_code,
        "code": _code(exc),
        "detail": str(message),
        "errors": errors,
    }
    return response


def _record_denial(context, changes: dict | None = None) -> None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        auditing.record(auditing.Action.PERMISSION_DENIED, actor=user, changes=changes)
