"""Admins review suspected duplicate records: merge them or mark them as different people."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people import duplicates, selectors, services
from people.forms import MergeForm
from people.models import Person
from portal import auditing
from portal.access import require_roles
from portal.roles import ADMINS
from portal.scoping import visible_to

PAIRS_SHOWN = 200


@require_roles(ADMINS)
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    # One pair more than shown tells whether the list is cut.
    pairs = duplicates.suspected_pairs(
        visible_to(request.user, Person.objects.all()), limit=PAIRS_SHOWN + 1
    )
    shown = pairs[:PAIRS_SHOWN]
    auditing.record_page_read(
        request.user, "people.duplicates", [person for pair in shown for person in pair[:2]]
    )
    return render(
        request,
        "people/duplicates.html",
        {"pairs": shown, "more": len(pairs) > PAIRS_SHOWN},
    )


@require_roles(ADMINS)
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, first_pk: int, second_pk: int) -> HttpResponse:
    first = selectors.person_for(request.user, first_pk)
    second = selectors.person_for(request.user, second_pk)
    form = MergeForm(request.POST if request.method == "POST" else None, first=first, second=second)
    if request.method == "POST" and form.is_valid():
        keep, other = (
            (first, second) if form.cleaned_data["keep"] == str(first.pk) else (second, first)
        )
        try:
            services.merge_people(by=request.user, keep=keep, merge=other)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(kept)s.")
                % {"merged": other.case_number, "kept": keep.case_number},
            )
            return redirect("people:detail", pk=keep.pk)
    if request.method == "GET":
        # Both records are shown in full, side by side.
        auditing.record_page_read(request.user, "people.merge", [first, second])
    pages = {
        person.pk: selectors.person_page_data(person, request.user) for person in (first, second)
    }
    return render(
        request,
        "people/merge.html",
        {
            "form": form,
            "first": first,
            "second": second,
            "first_data": pages[first.pk],
            "second_data": pages[second.pk],
        },
    )


@require_roles(ADMINS)
@require_POST
def mark_distinct(request: HttpRequest, first_pk: int, second_pk: int) -> HttpResponse:
    first = selectors.person_for(request.user, first_pk)
    second = selectors.person_for(request.user, second_pk)
    services.mark_distinct(by=request.user, first=first, second=second)
    messages.success(
        request, _("Marked as different people; this pair will not be suggested again.")
    )
    return redirect("people:duplicates")
