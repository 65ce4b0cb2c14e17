"""Material assistance screens: distributions, the bulk form, receipts.

Thin views: read through `programs.selectors`, write through `programs.services`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people.models import Partner
from portal import auditing, filter_state
from portal.access import require_roles
from portal.concurrency import StaleEditError
from portal.forms import VersionForm
from portal.roles import STAFF_WITH_PERSON_DATA
from portal.scoping import visible_to
from programs import selectors, services
from programs.forms import DistributionForm, SiteChoiceForm
from programs.views.common import STALE_BUTTON, add_errors, int_or_none, to_person_page

BULK_SEARCHES = "bulk_searches"


def _date_or_none(value: str | None) -> date | None:
    try:
        return parse_date(value or "")
    except ValueError:  # well formed but impossible, e.g. 2026-02-30
        return None


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def distribution_list(request: HttpRequest) -> HttpResponse:
    # The filter form always sends both dates, empty when cleared: only a page opened without
    # them (from the menu, after saving) shows the recent period, which the form then shows.
    recent = "from" not in request.GET and "to" not in request.GET
    if recent:
        date_from, date_to = selectors.recent_period()
    else:
        date_from = _date_or_none(request.GET.get("from"))
        date_to = _date_or_none(request.GET.get("to"))
    distributions = selectors.distributions_for(
        request.user,
        date_from=date_from,
        date_to=date_to,
        location=int_or_none(request.GET.get("location")),
        assistance_type=int_or_none(request.GET.get("type")),
    )
    rows = list(selectors.distribution_rows(request.user, distributions)[:200])
    auditing.record_page_read(request.user, "programs.distribution_list", rows)
    return render(
        request,
        "programs/distribution_list.html",
        {
            "distributions": rows,
            "summary": selectors.assistance_summary(distributions),
            "locations": selectors.active_locations_for(request.user),
            "assistance_types": selectors.assistance_types_for(request.user),
            "date_from": date_from,
            "date_to": date_to,
            "recent_days": selectors.RECENT_ASSISTANCE_DAYS if recent else None,
            "selected_location": int_or_none(request.GET.get("location")),
            "selected_type": int_or_none(request.GET.get("type")),
        },
    )


def _acknowledgement(request: HttpRequest) -> tuple[str, set[int]]:
    """The warning the user confirmed ("Save anyway"): for which type and date, and whom it
    named. Anyone else who received the same assistance recently is warned about again."""
    token = request.POST.get("acknowledge_repeats", "")
    prefix, _sep, ids = token.rpartition(":")
    acknowledged = {int(i) for i in ids.split(",") if i.isdigit()}
    return prefix, acknowledged


def _warning_prefix(data: dict) -> str:
    return f"{data['assistance_type'].pk}@{data['distributed_on']:%Y-%m-%d}"


def _distribute(
    request: HttpRequest, form: DistributionForm, location, people, single: bool = False
) -> HttpResponse | None:
    """Save through the service; on a repeat warning, return None and leave `form.repeats`."""
    data = form.cleaned_data
    prefix, acknowledged = _acknowledgement(request)
    if prefix != _warning_prefix(data):
        acknowledged = set()
    try:
        distributions = services.distribute(
            by=request.user,
            location=location,
            assistance_type=data["assistance_type"],
            people=people,
            quantity=data["quantity"],
            distributed_on=data["distributed_on"],
            partner=data["partner"],
            acknowledged_repeats=acknowledged,
        )
    except services.RepeatAssistance as warning:
        by_id = {p.pk: p for p in people}
        form.repeats = sorted(
            ((by_id[pk], last) for pk, last in warning.last_received.items()),
            key=lambda pair: pair[0].case_number,
        )
        ids = ",".join(str(pk) for pk in sorted(warning.last_received))
        form.acknowledgement = f"{_warning_prefix(data)}:{ids}"
        return None
    except ValidationError as error:
        add_errors(form, error)
        return None
    messages.success(
        request,
        ngettext(
            "Distribution recorded for %(count)d person.",
            "Distribution recorded for %(count)d people.",
            len(distributions),
        )
        % {"count": len(distributions)},
    )
    if single:
        return to_person_page(people[0], "programs:person_distribution_create")
    return redirect("programs:distribution_list")


def _distribution_form(request: HttpRequest, people=None) -> DistributionForm:
    return DistributionForm(
        request.POST if request.method == "POST" else None,
        assistance_types=selectors.assistance_types_for(request.user),
        partners=visible_to(request.user, Partner.objects.filter(active=True)),
        people=people,
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def distribution_bulk(request: HttpRequest) -> HttpResponse:
    """One type of assistance to many people of one site at once."""
    chosen = int_or_none(request.GET.get("location"))
    if request.method == "GET" and "q" in request.GET:
        # Names stay out of URLs (issue 19): a search in the address is not run.
        return redirect(filter_state.address_without(request, keep={"location": chosen}))
    if request.method == "POST" and "q" in request.POST:
        # The search form posts (the distribution form has no `q`); the URL carries only its
        # key and the site's id, which names nobody.
        return redirect(
            filter_state.search_address(request, BULK_SEARCHES, keep={"location": chosen})
        )
    locations = selectors.active_locations_for(request.user)
    location = locations.filter(pk=chosen).first() if chosen else None
    location = location or locations.first()
    site_form = SiteChoiceForm(initial={"location": location}, locations=locations)
    query = filter_state.recall(request, BULK_SEARCHES).get("q", "")
    # Whoever is posted is checked against everyone at the site, not only the search results.
    people = selectors.people_at(request.user, location) if location else None
    form = _distribution_form(request, people=people)
    form.repeats = []
    if request.method == "POST" and location and form.is_valid():
        response = _distribute(request, form, location, list(form.cleaned_data["people"]))
        if response:
            return response
    candidates = None
    if location:
        candidates = selectors.recipients_offered(request.user, location, query)
        form.offer(candidates.people)
        # The people shown as checkboxes (those offered, and those ticked in a form shown again).
        auditing.record_page_read(
            request.user,
            "programs.bulk_candidates",
            [pk for pk, _label in form.fields["people"].widget.choices],
        )
    return render(
        request,
        "programs/distribution_form.html",
        {
            "form": form,
            "site_form": site_form,
            "location": location,
            "bulk": True,
            "several_sites": len(locations) > 1,
            "query": query,
            "candidates": candidates,
        },
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def person_distribution_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(request.user, pk)
    if request.method == "GET":
        # The form shows the person: its read is audited like the person page.
        auditing.record(auditing.Action.VIEW, actor=request.user, obj=person)
    form = _distribution_form(request)
    form.repeats = []
    if request.method == "POST" and form.is_valid():
        response = _distribute(request, form, person.location, [person], single=True)
        if response:
            return response
    return render(
        request,
        "programs/distribution_form.html",
        {"form": form, "person": person, "location": person.location, "bulk": False},
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_POST
def distribution_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = selectors.get_distribution(request.user, pk)
    form = VersionForm(request.POST, record=distribution)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["version"]))
        return redirect("programs:distribution_list")
    try:
        services.confirm_receipt(
            by=request.user, distribution=distribution, expected_version=form.expected_version
        )
    except StaleEditError:
        messages.error(request, STALE_BUTTON)
    else:
        messages.success(request, _("Receipt confirmed."))
    return redirect("programs:distribution_list")
