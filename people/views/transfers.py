"""Transfers as a request (issue 22): ask with a confirmation step, see incoming and
outgoing requests, accept (choosing the new case worker), decline with a reason, withdraw.
The rules are `people.transfers`'; these views parse, call and render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people import forms, selectors, transfers
from people.burmese_input import tell_about_zawgyi
from people.models import TransferRequest
from people.views.cases import STALE_BUTTON
from portal import auditing
from portal.access import forbidden, require_roles
from portal.concurrency import StaleEditError
from portal.forms import VersionForm
from portal.roles import STAFF_WITH_PERSON_DATA


def _data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask another site to take the person on. A valid form first shows what will be sent
    (no one-click transfer); the confirmed form sends it. The person stays here until the
    receiving site accepts."""
    person = selectors.person_for(request.user, pk)
    if request.method == "GET":
        auditing.record(auditing.Action.VIEW, actor=request.user, obj=person)
    if not transfers.acts_for_site(request.user, person.location_id):
        return forbidden(request)
    pending = selectors.open_transfer_request(person)
    form = forms.TransferForm(_data(request), person=person)
    context = {"person": person, "form": form, "pending": pending}
    if request.method == "POST" and pending is None and form.is_valid():
        data = form.cleaned_data
        if "change" in request.POST:
            # Back from the confirmation to the form, with what was typed.
            return render(request, "people/transfer_form.html", context)
        if request.POST.get("confirmed") != "1":
            context["confirming"] = True
            return render(request, "people/transfer_form.html", context)
        try:
            sent = transfers.request_transfer(
                by=request.user,
                person=person,
                to_location=data["to_location"],
                reason=data["reason"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Transfer of %(case)s (%(name)s) to %(to)s requested. The person stays at "
                    "%(from)s until %(to)s accepts."
                )
                % {
                    "case": person.case_number,
                    "name": person.display_name,
                    "to": sent.to_location.name,
                    "from": person.location.name,
                },
            )
            tell_about_zawgyi(request, form)
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/transfer_form.html", context)


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def transfer_list(request: HttpRequest) -> HttpResponse:
    """Incoming and outgoing transfer requests, and the ones answered lately."""
    overview = selectors.transfer_overview(request.user)
    auditing.record_page_read(request.user, "people.transfers", overview.people)
    return render(request, "people/transfers.html", {"overview": overview})


def _decision_page(request: HttpRequest, pk: int):
    """The request and whether the user may answer it: None and a response when not."""
    transfer_request = selectors.transfer_request_for(request.user, pk)
    if not transfer_request.is_open:
        messages.info(request, _already_decided(transfer_request))
        return transfer_request, redirect("people:transfers")
    if not transfers.may_decide(request.user, transfer_request):
        return transfer_request, forbidden(request)
    return transfer_request, None


def _already_decided(transfer_request: TransferRequest) -> str:
    return _("This transfer was already %(status)s; nothing was changed.") % {
        "status": transfer_request.get_status_display().lower()
    }


def _decided(request: HttpRequest, form, save, context: dict, success: str) -> HttpResponse:
    """A valid POST calls `save`: a stale form (someone answered first) is told so."""
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except StaleEditError:
            messages.error(request, STALE_BUTTON)
            return redirect("people:transfers")
        except ValidationError as error:
            _add_errors(form, error)
        except PermissionDenied:
            return forbidden(request)
        else:
            messages.success(request, success)
            return redirect("people:transfers")
    return render(request, "people/transfer_decision.html", {**context, "form": form})


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def transfer_accept(request: HttpRequest, transfer_pk: int) -> HttpResponse:
    transfer_request, refused = _decision_page(request, transfer_pk)
    if refused:
        return refused
    form = forms.AcceptTransferForm(
        _data(request),
        record=transfer_request,
        case_workers=transfers.case_workers_at(transfer_request.to_location),
    )
    person = transfer_request.person

    def save():
        transfers.accept_transfer(
            by=request.user,
            request=transfer_request,
            new_case_worker=form.cleaned_data["new_case_worker"],
            expected_version=form.expected_version,
        )

    success = _("%(case)s (%(name)s) now belongs to %(site)s, with %(worker)s as case worker.")
    return _decided(
        request,
        form,
        save,
        {"transfer_request": transfer_request, "accepting": True},
        success
        % {
            "case": person.case_number,
            "name": person.display_name,
            "site": transfer_request.to_location.name,
            "worker": form.cleaned_data["new_case_worker"].get_short_name()
            if form.is_bound and form.is_valid()
            else "",
        },
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def transfer_decline(request: HttpRequest, transfer_pk: int) -> HttpResponse:
    transfer_request, refused = _decision_page(request, transfer_pk)
    if refused:
        return refused
    form = forms.DeclineTransferForm(_data(request), record=transfer_request)

    def save():
        transfers.decline_transfer(
            by=request.user,
            request=transfer_request,
            reason=form.cleaned_data["decline_reason"],
            expected_version=form.expected_version,
        )

    return _decided(
        request,
        form,
        save,
        {"transfer_request": transfer_request, "accepting": False},
        _("Transfer of %(case)s declined; the person stays at %(site)s.")
        % {
            "case": transfer_request.person.case_number,
            "site": transfer_request.from_location.name,
        },
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_POST
def transfer_withdraw(request: HttpRequest, transfer_pk: int) -> HttpResponse:
    transfer_request = selectors.transfer_request_for(request.user, transfer_pk)
    if transfer_request.is_open and not transfers.may_withdraw(request.user, transfer_request):
        return forbidden(request)
    form = VersionForm(request.POST, record=transfer_request)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("version", [])))
        return redirect("people:transfers")
    try:
        transfers.withdraw_transfer(
            by=request.user, request=transfer_request, expected_version=form.expected_version
        )
    except StaleEditError:
        messages.error(request, STALE_BUTTON)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Transfer of %(case)s withdrawn; the person stays at %(site)s.")
            % {
                "case": transfer_request.person.case_number,
                "site": transfer_request.from_location.name,
            },
        )
    return redirect("people:transfers")
