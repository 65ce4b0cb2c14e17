"""Helpers shared by the programme views."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from portal.roles import STAFF_WITH_PERSON_DATA, TRAINING_STAFF

SESSION_STAFF = STAFF_WITH_PERSON_DATA | TRAINING_STAFF

# A button whose page was out of date (optimistic locking, `portal.concurrency`).
STALE_BUTTON = _(
    "Someone else changed this record after you opened the page; nothing was changed. The "
    "page now shows the saved record."
)


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def add_errors(form, error: ValidationError) -> None:
    """Put a service's validation error on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def to_person_page(person, fallback: str) -> HttpResponse:
    """Back to the person's page (people app), or to `fallback` where it is not installed."""
    try:
        return redirect(reverse("people:detail", args=[person.pk]))
    except NoReverseMatch:
        return redirect(fallback, pk=person.pk)
