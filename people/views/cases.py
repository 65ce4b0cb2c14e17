"""The parts of a case recorded on the person page: exits, notes, follow-ups, transfers,
flags, referrals and feedback. Each view finds the person (or the record) through the
user's scope, hands the form's values to a service, and returns to the person page."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from people import forms, selectors, services
from people.burmese_input import tell_about_zawgyi
from people.models import CaseNote, Exit, Feedback, Flag, FollowUp, Partner, Person, Referral
from portal import auditing
from portal.access import forbidden, require_roles
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
    """GET shows the form; a valid POST calls `save` and returns to the person page."""
    if request.method == "GET":
        # The form shows person-level data: its read is audited like the person page.
        auditing.record(auditing.Action.VIEW, actor=request.user, obj=person)
    if request.method == "POST" and form.is_valid():
        try:
            save()
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success)
            tell_about_zawgyi(request, form)
            return redirect("people:detail", pk=person.pk)
    context = {"person": person, "form": form, "title": title, **(extra or {})}
    return render(request, "people/part_form.html", context)


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
            by=request.user, person=person, values=form.exit_values(), exit=exit
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
            services.edit_note(by=request.user, note=note, text=form.cleaned_data["text"])
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
    services.complete_follow_up(by=request.user, follow_up=follow_up)
    messages.success(request, _("Follow-up marked as done."))
    return redirect("people:detail", pk=pk)


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def transfer(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    form = forms.TransferForm(_data(request), person=person)

    def save():
        services.transfer_person(by=request.user, person=person, **form.cleaned_data)

    response = _form_page(
        request, person, form, save, title=_("Transfer to another site"), success=_("Transferred.")
    )
    if (
        response.status_code == 302
        and not visible_to(request.user, Person.objects.filter(pk=pk)).exists()
    ):
        # The person moved out of this user's sites: the person page is no longer theirs.
        return redirect("people:list")
    return response


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
    form = forms.ResolveFlagForm(_data(request))
    return _form_page(
        request,
        person,
        form,
        lambda: services.resolve_flag(by=request.user, flag=flag, **form.cleaned_data),
        title=_("Resolve the flag: %(reason)s") % {"reason": flag.get_reason_display()},
        success=_("Flag resolved."),
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
        lambda: services.update_referral(by=request.user, referral=referral, **form.cleaned_data),
        title=_("Update the referral"),
        success=_("Referral updated."),
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def feedback_form(request: HttpRequest, pk: int, feedback_pk: int | None = None) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    feedback = _part_of(request, Feedback, pk, feedback_pk) if feedback_pk else None
    form = forms.FeedbackForm(_data(request), instance=feedback)
    return _form_page(
        request,
        person,
        form,
        lambda: services.save_feedback(
            by=request.user, person=person, values=form.cleaned_data, feedback=feedback
        ),
        title=_("Feedback or complaint"),
        success=_("Feedback saved."),
    )
