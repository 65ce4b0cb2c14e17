"""The parts of a case recorded on the person page: exits, notes, follow-ups,
flags, referrals and feedback. Each view finds the person (or the record) through the
user's scope, hands the form's values to a service, and returns to the person page."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from people import forms, selectors, services
from people.burmese_input import tell_about_zawgyi
from people.models import CaseNote, Exit, Feedback, Flag, FollowUp, Partner, Person, Referral
from portal import auditing
from portal.access import forbidden, require_roles
from portal.concurrency import StaleEditError
from portal.forms import VersionForm
from portal.roles import STAFF_WITH_PERSON_DATA, Role
from portal.scoping import get_object_for_user, visible_to


def _part_of(request: HttpRequest, model, person_pk: int, pk: int):
    """A record of one person, within the user's scope (404 otherwise)."""
    return get_object_for_user(
        request.user, model.objects.select_related("person").filter(person_id=person_pk), pk=pk
    )


def _form_page(
    request: HttpRequest,
    person: Person,
    form: Form,
    save: Callable[[], object],
    *,
    title: str,
    success: str,
    extra: dict | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls `save` and returns to the person page. A save
    refused because someone else saved the record first answers 409 with what differs."""
    if request.method == "GET":
        # The form shows person-level data: its read is audited like the person page.
        auditing.record(auditing.Action.VIEW, actor=request.user, obj=person)
    context = {"person": person, "form": form, "title": title, **(extra or {})}
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except StaleEditError as stale:
            context["stale_changes"] = stale.changes
            return render(request, "people/part_form.html", context, status=409)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success)
            tell_about_zawgyi(request, form)
            return redirect("people:detail", pk=person.pk)
    return render(request, "people/part_form.html", context)


def _one_button_change(
    request: HttpRequest, record, change: Callable[[int], object], success: str
) -> HttpResponse:
    """A change made by one button on the person page (its form holds the record's version):
    a stale page is told what happened instead of changing the record again."""
    form = VersionForm(request.POST, record=record)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("version", [])))
    else:
        try:
            change(form.expected_version)
        except StaleEditError:
            messages.error(request, STALE_BUTTON)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
    return redirect("people:detail", pk=record.person_id)


STALE_BUTTON = _lazy(
    "Someone else changed this record after you opened the page; nothing was changed. The "
    "page now shows the saved record."
)


def _data(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def exit_form(request: HttpRequest, pk: int, exit_pk: int | None = None) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    exit = _part_of(request, Exit, pk, exit_pk) if exit_pk else None
    form = forms.ExitForm(_data(request), instance=exit)
    return _form_page(
        request,
        person,
        form,
        lambda: services.save_exit(
            by=request.user,
            person=person,
            values=form.exit_values(),
            exit=exit,
            expected_version=form.expected_version if exit else None,
        ),
        title=_("Edit the exit") if exit else _("Record how the person left"),
        success=_("Exit saved."),
        extra={"receiving_groups": selectors.receiving_group_suggestions(request.user)},
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    form = forms.NoteForm(_data(request))
    return _form_page(
        request,
        person,
        form,
        lambda: services.add_note(by=request.user, person=person, text=form.cleaned_data["text"]),
        title=_("Add a case note"),
        success=_("Note added."),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def note_edit(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    note = _part_of(request, CaseNote, pk, note_pk)
    if not note.editable_by(request.user):
        return forbidden(request)
    form = forms.NoteForm(_data(request), instance=note)

    def save():
        try:
            services.edit_note(
                by=request.user,
                note=note,
                text=form.cleaned_data["text"],
                expected_version=form.expected_version,
            )
        except PermissionDenied as denied:
            raise ValidationError(str(denied)) from denied

    return _form_page(
        request, person, form, save, title=_("Edit the note"), success=_("Note saved.")
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def follow_up_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    form = forms.FollowUpForm(
        _data(request),
        assignees=selectors.case_workers_for(request.user),
        initial={"assignee": request.user},
    )
    return _form_page(
        request,
        person,
        form,
        lambda: services.add_follow_up(by=request.user, person=person, **form.cleaned_data),
        title=_("Plan a follow-up"),
        success=_("Follow-up planned."),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_POST
def follow_up_done(request: HttpRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    follow_up = _part_of(request, FollowUp, pk, follow_up_pk)
    return _one_button_change(
        request,
        follow_up,
        lambda version: services.complete_follow_up(
            by=request.user, follow_up=follow_up, expected_version=version
        ),
        _("Follow-up marked as done."),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def flag_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    form = forms.FlagForm(_data(request))
    return _form_page(
        request,
        person,
        form,
        lambda: services.raise_flag(by=request.user, person=person, **form.cleaned_data),
        title=_("Flag this record"),
        success=_("Flag raised."),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def flag_resolve(request: HttpRequest, pk: int, flag_pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    flag = _part_of(request, Flag, pk, flag_pk)
    form = forms.ResolveFlagForm(_data(request), record=flag)
    return _form_page(
        request,
        person,
        form,
        lambda: services.resolve_flag(
            by=request.user,
            flag=flag,
            resolution_note=form.cleaned_data["resolution_note"],
            expected_version=form.expected_version,
        ),
        title=_("Resolve the flag: %(reason)s") % {"reason": flag.get_reason_display()},
        success=_("Flag resolved."),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def status_change(request: HttpRequest, pk: int) -> HttpResponse:
    """A step of the case status workflow; a refused one is a form error, nothing changes."""
    person = selectors.person_for(request.user, pk)
    form = forms.StatusChangeForm(_data(request), person=person)

    def save():
        data = form.cleaned_data
        services.change_status(
            by=request.user,
            person=person,
            to_status=data["to_status"],
            closing_reason=data["closing_reason"],
            note=data["note"],
            changed_on=data["changed_on"],
            expected_version=form.expected_version,
        )

    return _form_page(
        request,
        person,
        form,
        save,
        title=_("Change the status (now: %(status)s)") % {"status": person.get_status_display()},
        success=_("Status changed."),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def referral_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    is_admin = request.user.role == Role.ADMIN
    form = forms.ReferralForm(
        _data(request),
        partners=visible_to(request.user, Partner.objects.filter(active=True)),
        can_override=is_admin,
    )

    def save():
        values = {k: form.cleaned_data[k] for k in ("partner", "service", "referred_on")}
        override = form.cleaned_data.get("override_reason", "") if is_admin else ""
        services.create_referral(
            by=request.user, person=person, values=values, override_reason=override
        )

    return _form_page(
        request,
        person,
        form,
        save,
        title=_("Refer to a partner organisation"),
        success=_("Referral recorded."),
        extra={"consent_warning": not person.consent_allows_sharing},
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def referral_update(request: HttpRequest, pk: int, referral_pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    referral = _part_of(request, Referral, pk, referral_pk)
    form = forms.ReferralUpdateForm(_data(request), instance=referral)
    return _form_page(
        request,
        person,
        form,
        lambda: services.update_referral(
            by=request.user,
            referral=referral,
            expected_version=form.expected_version,
            **form.non_version_data,
        ),
        title=_("Update the referral"),
        success=_("Referral updated."),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def feedback_form(request: HttpRequest, pk: int, feedback_pk: int | None = None) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    # Confidential feedback is outside a case worker's scope: 404, as any record not theirs.
    feedback = _part_of(request, Feedback, pk, feedback_pk) if feedback_pk else None
    form = forms.FeedbackForm(
        _data(request), instance=feedback, staff=selectors.staff_about_for(request.user)
    )

    def save():
        saved = services.save_feedback(
            by=request.user,
            person=person,
            values=form.non_version_data,
            feedback=feedback,
            expected_version=form.expected_version if feedback else None,
        )
        if not visible_to(request.user, Feedback.objects.filter(pk=saved.pk)).exists():
            messages.info(
                request, _("This feedback is confidential: from now on only admins can read it.")
            )

    return _form_page(
        request,
        person,
        form,
        save,
        title=_("Feedback or complaint"),
        success=_("Feedback saved."),
    )
