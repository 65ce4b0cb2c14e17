"""Admins review suspected duplicate records: merge them or mark them as different people."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people import duplicates, review_queue, selectors, services
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
    """The queue (pairs found as records arrived or changed, every site, with score and
    reasons) first, then the pairs of identical keys found now among the records (those
    registered before the queue existed) that are not queued."""
    people = visible_to(request.user, Person.objects.all())
    # One pair more than shown tells whether the list is cut.
    queued = review_queue.open_pairs(people, limit=PAIRS_SHOWN + 1)
    pairs = []
    if len(queued) <= PAIRS_SHOWN:
        in_queue = {(row.first_id, row.second_id) for row in queued}
        computed = duplicates.suspected_pairs(people, limit=PAIRS_SHOWN + 1)
        pairs = [pair for pair in computed if (pair[0].pk, pair[1].pk) not in in_queue]
    more = len(queued) + len(pairs) > PAIRS_SHOWN
    queued = queued[:PAIRS_SHOWN]
    pairs = pairs[: PAIRS_SHOWN - len(queued)]
    shown = [person for row in queued for person in (row.first, row.second)]
    shown += [person for pair in pairs for person in pair[:2]]
    auditing.record_page_read(request.user, "people.duplicates", shown)
    return render(
        request,
        "people/duplicates.html",
        {
            "queued": queued,
            "pairs": pairs,
            "more": more,
            "shown_count": len(queued) + len(pairs),
        },
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
