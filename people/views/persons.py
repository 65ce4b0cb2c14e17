"""People list, registration, person page and profile editing."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from people import restricted, selectors, services
from people.burmese_input import tell_about_zawgyi
from people.filters import PersonFilter
from people.forms import DuplicateConfirmationForm, OptionalExitForm, PersonForm
from people.list_rows import read_list_rows
from portal import auditing, filter_state
from portal.access import require_roles
from portal.concurrency import StaleEditError
from portal.pagination import bounded_page
from portal.roles import ADMINS, STAFF_WITH_PERSON_DATA, Role
from portal.selectors import locations_for

PAGE_SIZE = 50


FILTERS = "people_filters"


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def person_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        # Searches may contain names: they travel in the body, never in the URL.
        return redirect(f"{request.path}?f={filter_state.remember(request, FILTERS, request.POST)}")
    person_filter = PersonFilter(
        filter_state.recall(request, FILTERS),
        queryset=selectors.people_list_for(request.user),
        locations=locations_for(request.user),
    )
    people = person_filter.qs if person_filter.is_valid() else person_filter.queryset.none()
    page = bounded_page(people, PAGE_SIZE, request.GET.get("page"), read=read_list_rows)
    # The list and its search results name people: one audit row per page view with the ids
    # shown (reading the page here caches it for the template: no second query).
    auditing.record_page_read(request.user, "people.person_list", page)
    query = f"f={request.GET['f']}" if request.GET.get("f") else ""
    return render(
        request,
        "people/person_list.html",
        {
            "filter": person_filter,
            "page": page,
            "query": query,
            "can_export": request.user.role == Role.ADMIN,
            # Case numbers only, narrowed by a case-number search (a name never matches).
            "restricted_records": selectors.restricted_records_listed(
                request.user,
                person_filter.form.cleaned_data.get("q", "") if person_filter.is_valid() else "",
            ),
        },
    )


def _person_form(request: HttpRequest, **kwargs) -> PersonForm:
    return PersonForm(
        request.POST if request.method == "POST" else None,
        locations=locations_for(request.user),
        case_workers=selectors.case_workers_for(request.user),
        **kwargs,
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    form = _person_form(request, initial={"case_worker": request.user})
    exit_form = OptionalExitForm(request.POST if request.method == "POST" else None, prefix="exit")
    confirm_form = DuplicateConfirmationForm(request.POST if request.method == "POST" else None)
    possible_duplicates = []
    if (
        request.method == "POST"
        and form.is_valid()
        and exit_form.is_valid()
        and confirm_form.is_valid()
    ):
        values = form.person_values()
        exit_values = None if exit_form.is_empty() else exit_form.exit_values()
        possible_duplicates = selectors.duplicate_candidates_for(
            request.user,
            location=values["location"],
            full_name=values["full_name"],
            name_my=values["name_my"],
            birth_year=values["birth_year"],
            phone=values["phone"],
            sex=values["sex"],
            origin_region=values["origin_region"],
            exit_date=exit_values["exit_date"] if exit_values else None,
            reference=values["reference"],
        )
        if possible_duplicates.people:
            # The possible duplicates are shown with their names: audited as a list read.
            auditing.record_page_read(
                request.user, "people.possible_duplicates", possible_duplicates.people
            )
        if not possible_duplicates or confirm_form.cleaned_data["not_a_duplicate"]:
            try:
                outcome = services.create_person(
                    by=request.user,
                    person_data=values,
                    exit_data=exit_values,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                for notice in outcome.notices:
                    messages.info(request, notice)
                tell_about_zawgyi(request, exit_form)
                messages.success(
                    request,
                    _("Registered with case number %(number)s.")
                    % {"number": outcome.obj.case_number},
                )
                return redirect("people:detail", pk=outcome.obj.pk)
        else:
            # Saving without a decision is said in the error summary, not a silent reload.
            confirm_form.add_error(
                "not_a_duplicate",
                _(
                    "This person may already be registered: open the records above. If none "
                    "is the same person, tick the box and save again."
                ),
            )
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "exit_form": exit_form,
            "confirm_form": confirm_form,
            "possible_duplicates": possible_duplicates,
            "receiving_groups": selectors.receiving_group_suggestions(request.user),
            "title": _("Register a person"),
        },
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        person = selectors.person_for(request.user, pk)
    except Http404:
        # A restricted record of the user's site: they may open it with a reason.
        if selectors.restricted_records_for(request.user).filter(pk=pk).exists():
            return redirect("people:open_restricted", restricted_pk=pk)
        raise
    if person.merged_into_id:
        messages.info(
            request,
            _("This record was merged into %(number)s.")
            % {"number": person.merged_into.case_number},
        )
        return redirect("people:detail", pk=person.merged_into_id)
    auditing.record(auditing.Action.VIEW, actor=request.user, obj=person)
    context = {"person": person, **selectors.person_page_data(person, request.user)}
    context["open_flags"] = [flag for flag in context["flags"] if flag.resolved_at is None]
    context["editable_note_ids"] = {n.pk for n in context["notes"] if n.editable_by(request.user)}
    context["may_change_restriction"] = restricted.may_change_restriction(request.user, person)
    context["pending_transfer"] = selectors.open_transfer_request(person)
    if person.restricted and request.user.role == Role.CASE_WORKER:
        context["opened_until"] = selectors.opened_until(request.user, person)
    return render(request, "people/person_detail.html", context)


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    if request.method == "GET":
        auditing.record(auditing.Action.VIEW, actor=request.user, obj=person)
    form = _person_form(request, instance=person)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.update_person(
                by=request.user,
                person=person,
                values=form.person_values(),
                expected_version=form.cleaned_data["version"] or 0,
            )
        except StaleEditError as stale:
            return render(
                request,
                "people/person_form.html",
                {
                    "form": form,
                    "person": person,
                    "stale_changes": stale.changes,
                    "title": _("Edit person"),
                },
                status=409,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            for notice in outcome.notices:
                messages.info(request, notice)
            messages.success(request, _("Saved."))
            return redirect("people:detail", pk=pk)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "person": person, "title": _("Edit person")},
    )


class AnonymiseForm(forms.Form):
    reason = forms.CharField(label=_lazy("Reason for the erasure"), max_length=300)
    confirm = forms.BooleanField(
        label=_lazy("I understand that names, contact details and case texts are erased for good.")
    )


@require_roles(ADMINS)
@require_http_methods(["GET", "POST"])
def person_anonymise(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    form = AnonymiseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.anonymise_person(
            by=request.user, person=person, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The record was anonymised. Statistics still count it."))
        return redirect("people:detail", pk=pk)
    return render(
        request,
        "people/part_form.html",
        {"person": person, "form": form, "title": _("Anonymise this record"), "danger": True},
    )
