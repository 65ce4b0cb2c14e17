"""The Django admin as one more client of the services.

Every model registered in the admin is either

- a `ServiceModelAdmin`: its add/change form and its deletions call a service (the same rules
  and audit rows as the portal's screens, the API and the commands), or
- a `ReadOnlyModelAdmin`: shown to admins, never changed there.

`tests/portal/test_admin_services.py` walks `admin.site._registry` and fails on a model that is
registered writable any other way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse

from portal import concurrency
from portal.forms import stale_admin_error

# Set on the request when the service refused a save: the form is built again with these
# errors (see `ServiceModelAdmin.changeform_view`).
_REFUSAL_ATTRIBUTE = "_admin_service_refusal"


class ServiceRefused(Exception):
    """A service refused the admin's save; carries the service's `ValidationError`."""

    def __init__(self, error: ValidationError):
        super().__init__("The service refused the change.")
        self.error = error


class ServiceModelAdmin(admin.ModelAdmin):
    """An admin whose writes go through a service.

    Subclasses implement `save_with_service` (and `delete_with_service` when deleting is
    allowed). A `ValidationError` from the service is shown as form errors and nothing is
    saved: the admin's transaction is rolled back and the form is shown again with the
    service's messages on its fields, never a 500.
    """

    # Deleting needs a service; without one the admin offers no delete at all.
    delete_service_defined = False

    def save_with_service(
        self,
        request: HttpRequest,
        obj: models.Model,
        values: dict[str, Any],
        change: bool,
        expected_version: int | None = None,
    ) -> models.Model:
        """Save through the service; `expected_version` is the version the change page was
        opened on (`portal.forms.VersionedAdminForm`), None for a new record."""
        raise NotImplementedError

    def delete_with_service(self, request: HttpRequest, obj: models.Model) -> None:
        raise NotImplementedError

    # --- wiring ------------------------------------------------------------------------------

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.delete_service_defined and super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        # Bulk actions write querysets directly (queryset.update): none but deletion, which
        # goes through `delete_queryset` below.
        actions = super().get_actions(request)
        return {name: action for name, action in actions.items() if name == "delete_selected"}

    @staticmethod
    def changed_values(form, change: bool) -> dict[str, Any]:
        """What the admin typed: every field of a new object, the changed ones of an edit."""
        model_fields = {field.name for field in form.instance._meta.concrete_fields}
        names = form.changed_data if change else list(form.cleaned_data)
        return {
            name: form.cleaned_data[name]
            for name in names
            if name in form.cleaned_data and name in model_fields
        }

    def save_model(self, request: HttpRequest, obj: models.Model, form, change: bool) -> None:
        try:
            saved = self.save_with_service(
                request,
                obj,
                self.changed_values(form, change),
                change,
                expected_version=form.cleaned_data.get("opened_version") if change else None,
            )
        except ValidationError as error:
            raise ServiceRefused(error) from error
        except concurrency.StaleEditError as stale:
            raise ServiceRefused(stale_admin_error(stale)) from stale
        # The service may have saved another instance (read again under a lock): the admin's
        # log entry and redirect use this one.
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        # No many-to-many or inline saves around the service: an inline is shown only.
        for formset in formsets:
            if formset.has_changed():
                raise PermissionDenied
            formset.save()  # unchanged: writes nothing, gives the admin's change message

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        if not self.delete_service_defined:
            raise PermissionDenied
        self.delete_with_service(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        if not self.delete_service_defined:
            raise PermissionDenied
        for obj in queryset:
            self.delete_with_service(request, obj)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal: ValidationError | None = getattr(request, _REFUSAL_ATTRIBUTE, None)
        if refusal is None:
            return form_class
        return _form_with_refusal(form_class, refusal)

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The transaction of the first attempt is rolled back; the second builds the form
            # from the same POST and shows the service's errors on it (it cannot save).
            setattr(request, _REFUSAL_ATTRIBUTE, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id, extra_context=None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return super().delete_view(_as_get(request), object_id, extra_context)


def _as_get(request: HttpRequest) -> HttpRequest:
    request.method = "GET"
    return request


def _form_with_refusal(form_class, refusal: ValidationError):
    """The admin's form class, adding the service's errors after its own validation."""

    def _post_clean(self) -> None:
        form_class._post_clean(self)
        if hasattr(refusal, "error_dict"):
            for field, errors in refusal.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, refusal.messages)
        if not self.errors:
            # Should not happen (the service refused this very input); never save regardless.
            self.add_error(NON_FIELD_ERRORS, refusal.messages)

    return type(form_class.__name__, (form_class,), {"_post_clean": _post_clean})


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Shown to admins, changed elsewhere (the portal's screens and their services, or the
    application itself)."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}


def read_only(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """A read-only version of another app's admin class (keeps its lists and filters)."""
    return type(f"ReadOnly{admin_class.__name__}", (ReadOnlyModelAdmin, admin_class), {})


def with_service(
    admin_class: type[admin.ModelAdmin],
    save: Callable[[HttpRequest, models.Model, dict[str, Any], bool], models.Model],
    delete: Callable[[HttpRequest, models.Model], None] | None = None,
) -> type[ServiceModelAdmin]:
    """Another app's admin class whose saves (and deletions) call the given services."""
    attributes: dict[str, Any] = {
        "save_with_service": lambda self, request, obj, values, change, **_version: save(
            request, obj, values, change
        ),
        "delete_service_defined": delete is not None,
    }
    if delete is not None:
        attributes["delete_with_service"] = lambda self, request, obj: delete(request, obj)
    return type(f"Service{admin_class.__name__}", (ServiceModelAdmin, admin_class), attributes)
