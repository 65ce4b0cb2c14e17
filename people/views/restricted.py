"""Restricted records (issue 20): mark or unmark, open with a reason, review the openings."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from people import restricted, selectors
from people.choices import AccessReview, RestrictionReason
from portal.access import require_roles
from portal.pagination import bounded_page
from portal.roles import ADMINS, STAFF_WITH_PERSON_DATA, Role


class RestrictionForm(forms.Form):
    restricted = forms.BooleanField(
        label=_lazy("Restricted: only the case worker and admins see this record"),
        required=False,
    )
    reason = forms.ChoiceField(
        label=_lazy("Why"),
        choices=[("", "—"), *RestrictionReason.choices],
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("restricted") and not cleaned.get("reason"):
            self.add_error("reason", _("Choose why the record is restricted."))
        return cleaned


class OpenRestrictedForm(forms.Form):
    reason = forms.CharField(
        label=_lazy("Why do you need to open this record?"),
        min_length=10,
        max_length=restricted.REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_lazy("Admins are told and review every opening."),
    )


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_lazy("Review"),
        choices=[
            (AccessReview.ACCEPTED, AccessReview.ACCEPTED.label),
            (AccessReview.QUESTIONED, AccessReview.QUESTIONED.label),
        ],  # fmt: skip
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_lazy("Note"), max_length=500, required=False)


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def restriction(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_for(request.user, pk)
    if not restricted.may_change_restriction(request.user, person):
        raise PermissionDenied
    form = RestrictionForm(
        request.POST if request.method == "POST" else None,
        initial={"restricted": person.restricted, "reason": person.restriction_reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            restricted.set_restriction(
                by=request.user,
                person=person,
                restricted=form.cleaned_data["restricted"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("people:detail", pk=pk)
    return render(
        request,
        "people/part_form.html",
        {"person": person, "form": form, "title": _("Restrict this record")},
    )


@require_roles(STAFF_WITH_PERSON_DATA)
@require_http_methods(["GET", "POST"])
def open_restricted(request: HttpRequest, restricted_pk: int) -> HttpResponse:
    if request.user.role != Role.CASE_WORKER:
        raise PermissionDenied  # admins see every record; nothing to open
    person = selectors.restricted_person_for(request.user, restricted_pk)
    form = OpenRestrictedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            restricted.open_restricted(
                by=request.user, person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("people:detail", pk=person.pk)
    return render(
        request,
        "people/open_restricted.html",
        {"record": person, "form": form, "access_hours": settings.RESTRICTED_ACCESS_HOURS},
    )


@require_roles(ADMINS)
@require_GET
def access_reviews(request: HttpRequest) -> HttpResponse:
    pending_only = request.GET.get("show") != "all"
    openings = selectors.access_reviews_for(request.user, pending_only=pending_only)
    page = bounded_page(openings, 50, request.GET.get("page"))
    return render(
        request,
        "people/access_reviews.html",
        {"page": page, "pending_only": pending_only, "query": "" if pending_only else "show=all"},
    )


@require_roles(ADMINS)
@require_POST
def access_review(request: HttpRequest, access_pk: int) -> HttpResponse:
    access = selectors.access_review_for(request.user, access_pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            restricted.review_access(
                by=request.user,
                access=access,
                verdict=form.cleaned_data["verdict"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Review saved."))
    else:
        messages.error(request, _("Accept or question the opening."))
    return redirect("people:access_reviews")
