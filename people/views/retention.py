"""Retention of closed cases: the admins' list of what is anonymised next, and keeping a
case with a reason (`people.retention`)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people import selectors, services
from portal.access import require_roles
from portal.roles import ADMINS, STAFF_WITH_PERSON_DATA


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Why must this case be kept?"),
        max_length=300,
        help_text=_lazy("Seen by admins, who review the holds; say why, not who."),
    )


@require_roles(ADMINS)
@require_GET
def retention_list(request: HttpRequest) -> HttpResponse:
    overview = selectors.retention_overview(request.user, timezone.now())
    return render(request, "people/retention.html", {"overview": overview})


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def retention_hold(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    form = HoldForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.place_retention_hold(
                by=request.user, person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The case is kept: retention will not anonymise it."))
            return redirect("people:detail", pk=pk)
    return render(
        request,
        "people/part_form.html",
        {"person": person, "form": form, "title": _("Keep this case from anonymisation")},
    )


@require_roles(ADMINS)
@require_POST
def retention_lift(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    try:
        services.lift_retention_hold(by=request.user, person=person)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The hold was lifted."))
    return redirect("people:detail", pk=pk)
