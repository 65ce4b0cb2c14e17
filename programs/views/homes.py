"""Safe-home screens: occupancy, a home's residents, check-in and check-out.

Thin views: read through `programs.selectors`, write through `programs.services`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people.burmese_input import tell_about_zawgyi
from portal import auditing
from portal.access import require_roles
from portal.concurrency import StaleEditError
from portal.roles import STAFF_WITH_PERSON_DATA
from programs import selectors, services
from programs.forms import CheckInForm, CheckOutForm
from programs.views.common import STALE_BUTTON, add_errors, int_or_none, to_person_page


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def occupancy(request: HttpRequest) -> HttpResponse:
    sites = selectors.occupancy(request.user)
    residents = [stay for site in sites for item in site.homes for stay in item.residents]
    auditing.record_page_read(request.user, "programs.occupancy", residents)
    return render(request, "programs/occupancy.html", {"sites": sites})


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def home_detail(request: HttpRequest, pk: int) -> HttpResponse:
    occupancy = selectors.get_home(request.user, pk)
    past_stays = list(selectors.past_stays(request.user, occupancy.home))
    auditing.record_page_read(
        request.user, "programs.home_detail", [*occupancy.residents, *past_stays]
    )
    return render(
        request,
        "programs/home_detail.html",
        {
            "occupancy": occupancy,
            "home": occupancy.home,
            "past_stays": past_stays,
            "check_out_form": CheckOutForm(),
        },
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest) -> HttpResponse:
    homes = selectors.homes_for(request.user)
    initial = {
        "home": int_or_none(request.GET.get("home")),
        "person": int_or_none(request.GET.get("person")),
    }
    people = selectors.people_to_check_in(request.user)
    form = CheckInForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        homes=homes,
        people=people,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stay = services.check_in(
                by=request.user,
                person=data["person"],
                home=data["home"],
                check_in_on=data["check_in"],
                override_reason=data["override_reason"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Checked in."))
            tell_about_zawgyi(request, form)
            return redirect("programs:home_detail", pk=stay.home_id)
    # The form offers these people by case number and name: one audit row with their ids.
    auditing.record_page_read(
        request.user, "programs.check_in", people.values_list("pk", flat=True)
    )
    return render(request, "programs/check_in_form.html", {"form": form})


@require_roles(STAFF_WITH_PERSON_DATA)
@require_POST
def check_out(request: HttpRequest, pk: int) -> HttpResponse:
    stay = selectors.get_stay(request.user, pk)
    form = CheckOutForm(request.POST, record=stay)
    if form.is_valid():
        try:
            services.check_out(
                by=request.user,
                stay=stay,
                check_out_on=form.cleaned_data["check_out"],
                expected_version=form.expected_version,
            )
        except StaleEditError:
            messages.error(request, STALE_BUTTON)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("%(case)s checked out.") % {"case": stay.person.case_number}
            )
    elif "version" in form.errors:
        messages.error(request, " ".join(form.errors["version"]))
    else:
        messages.error(request, _("Give a valid check-out date."))
    if request.POST.get("back") == "person":
        # From the person page: someone transferred here may end a stay at a home of the
        # site they left, whose page this user cannot open.
        return to_person_page(stay.person, "programs:person_outcome_create")
    return redirect("programs:home_detail", pk=stay.home_id)
