"""Burmese text typed into the portal's forms and sent to the API: converted from Zawgyi to
Unicode before anything else sees it, and the user told which fields were converted.

Forms: `ZawgyiFormMixin` (its `zawgyi_notices` are shown by the view with
`tell_about_zawgyi`). API: `ZawgyiSerializerMixin`; the response carries the converted fields
in the `Zawgyi-Converted` header (`portal.api.views`). The services convert again what they
save (`people.burmese.to_unicode_values`), so that the admin, commands and tasks never store
Zawgyi either.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from people import burmese

# Where the API's views find the converted fields of a request (read by
# `portal.api.views.PortalViewSet.finalize_response`).
REQUEST_ATTRIBUTE = "zawgyi_converted"


def notice(label: str) -> str:
    return _("%(field)s was typed in Zawgyi and has been converted to Unicode.") % {
        "field": capfirst(str(label))
    }


class ZawgyiFormMixin:
    """Every text field of the form is converted from Zawgyi when typed in it."""

    zawgyi_notices: list[str]

    def _clean_fields(self) -> None:
        super()._clean_fields()
        converted = burmese.to_unicode_values(self.cleaned_data)
        self.zawgyi_notices = [notice(self.fields[name].label or name) for name in converted]


def tell_about_zawgyi(request: HttpRequest, *forms: Any) -> None:
    """Show the form's conversion notices (after a successful save)."""
    for form in forms:
        for text in getattr(form, "zawgyi_notices", ()):
            messages.info(request, text)


class ZawgyiSerializerMixin:
    """Every text field of the serializer is converted from Zawgyi when sent in it; the
    request remembers which, for the response's `Zawgyi-Converted` header."""

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        converted = burmese.to_unicode_values(values)
        request = self.context.get("request") if hasattr(self, "context") else None
        if converted and request is not None:
            known = getattr(request, REQUEST_ATTRIBUTE, [])
            setattr(request, REQUEST_ATTRIBUTE, [*known, *converted])
        return values
