""" "My caseload" (issue 22): a case worker's open cases, and for admins the same per case
worker plus exact supervision figures. Composed here because the figures join people (cases,
follow-ups) and programs (assistance): people does not import programs."""

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from people import caseload as people_caseload
from portal import auditing
from portal.access import require_roles
from portal.models import User
from portal.pagination import bounded_page
from portal.roles import STAFF_WITH_PERSON_DATA, Role
from programs import supervision

PAGE_SIZE = 50


class WorkerForm(forms.Form):
    worker = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Case worker"),
        empty_label=_("Choose a case worker"),
    )
    no_contact = forms.BooleanField(required=False, label=_("Only people without contact"))

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers
        self.fields["worker"].label_from_instance = lambda user: user.get_short_name()


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def caseload(request: HttpRequest) -> HttpResponse:
    user = request.user
    is_admin = user.role == Role.ADMIN
    form = WorkerForm(
        request.GET,
        workers=people_caseload.workers_for(user) if is_admin else User.objects.none(),
    )
    form.is_valid()  # a worker outside the admin's sites is an error on the form, never a 500
    data = getattr(form, "cleaned_data", {})
    # A case worker always sees their own caseload; an admin the worker they chose.
    worker = data.get("worker") if is_admin else user
    context = {"form": form, "worker": worker, "is_admin": is_admin}
    context["no_contact_days"] = people_caseload.no_contact_days()
    if worker is not None:
        people = people_caseload.caseload_for(
            user, worker, extra_contact=[supervision.latest_assistance_date()]
        )
        without_contact = people_caseload.without_contact(people)
        context["without_contact_count"] = without_contact.count()
        if data.get("no_contact"):
            people = without_contact
        page = bounded_page(people, PAGE_SIZE, request.GET.get("page"))
        # The page names people: one audit row with the ids shown (reading the page here
        # also caches it for the template).
        auditing.record_page_read(user, "caseload", page)
        people_caseload.mark(page)
        context["page"] = page
        context["query"] = "&".join(
            f"{key}={value}"
            for key, value in (
                ("worker", worker.pk if is_admin else ""),
                ("no_contact", "on" if data.get("no_contact") else ""),
            )
            if value
        )
    if is_admin:
        # Exact figures: this page is for admins and case workers only; analysts never.
        context["worker_figures"] = people_caseload.figures_per_worker(user)
        context["intake_figures"] = supervision.intake_to_first_assistance(user)
    return render(request, "home/caseload.html", context)
