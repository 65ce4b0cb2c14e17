"""Training screens: sessions, enrolment, the trainers' roster, outcomes.

Thin views: read through `programs.selectors`, write through `programs.services`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people.burmese_input import tell_about_zawgyi
from portal import auditing, filter_state
from portal.access import require_roles
from portal.concurrency import StaleEditError
from portal.roles import STAFF_WITH_PERSON_DATA, TRAINING_STAFF, Role
from programs import selectors, services
from programs.forms import (
    EnrolForm,
    EnrolmentStatusForm,
    OutcomeForm,
    PersonEnrolForm,
    RosterForm,
    SessionForm,
)
from programs.models import LivelihoodOutcome, TrainingSession
from programs.views.common import (
    SESSION_STAFF,
    STALE_BUTTON,
    add_errors,
    int_or_none,
    to_person_page,
)

ENROL_SEARCHES = "enrol_searches"


# The trainer's pages on a weak signal (issue 23): a 40-person roster is 57 kB of HTML, 4 kB
# compressed. Django's gzip adds random padding against BREACH (its CSRF tokens are masked
# too), and these pages reflect nothing a third party could put in the request.
@require_roles(TRAINING_STAFF)
@require_GET
@gzip_page
def my_sessions(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.TRAINER:
        return redirect("programs:session_list")
    sessions = selectors.my_sessions(request.user)
    return render(request, "programs/my_sessions.html", {"sessions": sessions})


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    past = request.GET.get("when") == "past"
    sessions = selectors.session_list(
        request.user,
        past=past,
        course=int_or_none(request.GET.get("course")),
        location=int_or_none(request.GET.get("location")),
    )[:200]
    return render(
        request,
        "programs/session_list.html",
        {
            "sessions": sessions,
            "past": past,
            "courses": selectors.courses_for(request.user),
            "locations": selectors.active_locations_for(request.user),
            "selected_course": int_or_none(request.GET.get("course")),
            "selected_location": int_or_none(request.GET.get("location")),
        },
    )


def _session_form(request: HttpRequest, instance: TrainingSession | None = None) -> SessionForm:
    return SessionForm(
        request.POST if request.method == "POST" else None,
        instance=instance,
        courses=selectors.courses_for(request.user),
        locations=selectors.active_locations_for(request.user),
        trainers=selectors.trainers_for(request.user),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    form = _session_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.save_session(by=request.user, values=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Session planned."))
            return redirect("programs:session_detail", pk=session.pk)
    return render(request, "programs/session_form.html", {"form": form, "session": None})


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session(request.user, pk)
    form = _session_form(request, instance=session)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.changed_data if name != "version"}
        try:
            services.save_session(
                by=request.user,
                values=values,
                session=form.instance,
                expected_version=form.expected_version,
            )
        except StaleEditError as stale:
            context = {"form": form, "session": session, "stale_changes": stale.changes}
            return render(request, "programs/session_form.html", context, status=409)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Session saved."))
            return redirect("programs:session_detail", pk=session.pk)
    return render(request, "programs/session_form.html", {"form": form, "session": session})


@require_roles(STAFF_WITH_PERSON_DATA)
@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session(request.user, pk)
    enrolments = list(selectors.session_enrolments(request.user, session))
    auditing.record_page_read(request.user, "programs.session_detail", enrolments)
    return render(
        request,
        "programs/session_detail.html",
        {
            "session": session,
            "enrolments": enrolments,
            "free_places": max(session.capacity - session.taken, 0),
            "status_choices": EnrolmentStatusForm.base_fields["status"].choices,
            "can_mark": session.attendance_open_for(request.user),
        },
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session(request.user, pk)
    if request.method == "GET" and "q" in request.GET:
        # Names stay out of URLs (issue 19): a search in the address is not run.
        return redirect(filter_state.address_without(request))
    if request.method == "POST" and "q" in request.POST:
        # The search form posts (the enrol form has no `q`); the URL carries only its key.
        return redirect(filter_state.search_address(request, ENROL_SEARCHES))
    query = filter_state.recall(request, ENROL_SEARCHES).get("q", "")
    form = EnrolForm(
        request.POST if request.method == "POST" else None,
        people=selectors.people_to_enrol(request.user, session),
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolments = services.enrol(
                by=request.user, session=session, people=list(form.cleaned_data["people"])
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d person enrolled.", "%(count)d people enrolled.", len(enrolments)
                )
                % {"count": len(enrolments)},
            )
            return redirect("programs:session_detail", pk=session.pk)
    candidates = selectors.enrol_candidates(request.user, session, query)
    form.offer(candidates.people)
    # The people shown as checkboxes (those offered, and those ticked in a form shown again).
    shown = [pk for pk, _label in form.fields["people"].widget.choices]
    auditing.record_page_read(request.user, "programs.enrol_candidates", shown)
    return render(
        request,
        "programs/enrol_form.html",
        {
            "form": form,
            "session": session,
            "free_places": max(session.capacity - session.taken, 0),
            "query": query,
            "candidates": candidates,
        },
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_POST
def enrolment_status(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.get_enrolment(request.user, pk)
    form = EnrolmentStatusForm(request.POST, record=enrolment)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    else:
        try:
            services.set_enrolment_status(
                by=request.user,
                enrolment=enrolment,
                status=form.cleaned_data["status"],
                expected_version=form.expected_version,
            )
        except StaleEditError:
            messages.error(request, STALE_BUTTON)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(case)s: status saved.") % {"case": enrolment.person.case_number},
            )
    return redirect("programs:session_detail", pk=enrolment.session_id)


@require_roles(TRAINING_STAFF)
@require_http_methods(["GET", "POST"])
@gzip_page
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The trainer's roster: one tap target per person and status, one save for everyone."""
    session = selectors.get_session(request.user, pk)
    can_mark = session.attendance_open_for(request.user)
    if request.method == "POST":
        marks = RosterForm.parse(request.POST)
        try:
            saved = services.save_attendance(by=request.user, session=session, marks=marks)
        except PermissionDenied as error:
            messages.error(request, str(error))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                ngettext(
                    "Attendance saved (%(count)d change).",
                    "Attendance saved (%(count)d changes).",
                    saved.changed,
                )
                % {"count": saved.changed},
            )
        return redirect("programs:roster", pk=session.pk)
    rows = list(selectors.roster(request.user, session))
    auditing.record_page_read(request.user, "programs.roster", rows)
    form = RosterForm(rows=rows)
    return render(
        request,
        "programs/roster.html",
        {"session": session, "form": form, "can_mark": can_mark, "today": session.site_today},
    )


@require_roles(SESSION_STAFF)
@require_GET
def attendance_history(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_session(request.user, pk)
    changes = list(selectors.attendance_history(request.user, session)[:500])
    auditing.record_page_read(request.user, "programs.attendance_history", changes)
    return render(
        request, "programs/attendance_history.html", {"session": session, "changes": changes}
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_POST
def person_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol the person in one upcoming session of their site, from the person page, in
    one step; the enrolment's rules (capacity, duplicates, the session's lock) are
    `services.enrol`'s. Refusals are told on the person page; nothing changes."""
    person = selectors.get_person(request.user, pk)
    form = PersonEnrolForm(request.POST, sessions=selectors.sessions_to_enrol(request.user, person))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("session", [])))
        return to_person_page(person, "programs:person_outcome_create")
    session = form.cleaned_data["session"]
    try:
        services.enrol(by=request.user, session=session, people=[person])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(case)s enrolled in %(course)s on %(date)s.")
            % {
                "case": person.case_number,
                "course": session.course.name,
                "date": session.date.isoformat(),
            },
        )
    return to_person_page(person, "programs:person_outcome_create")


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def person_outcome_create(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_person(request.user, pk)
    if request.method == "GET":
        # The form shows the person: its read is audited like the person page.
        auditing.record(auditing.Action.VIEW, actor=request.user, obj=person)
    form = OutcomeForm(
        request.POST if request.method == "POST" else None,
        instance=LivelihoodOutcome(person=person),
        enrolments=selectors.enrolments_of(request.user, person),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_outcome(by=request.user, person=person, values=form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Livelihood follow-up recorded."))
            tell_about_zawgyi(request, form)
            return to_person_page(person, "programs:person_outcome_create")
    return render(request, "programs/outcome_form.html", {"form": form, "person": person})
