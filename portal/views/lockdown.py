"""Lockdown (issue 20): an admin locks a site or a user in one step, and unlocks them."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from portal import selectors, services
from portal.access import require_roles
from portal.models import Location, User
from portal.roles import ADMINS
from portal.scoping import get_object_for_user


class LockForm(forms.Form):
    reason = forms.CharField(label=_lazy("Why"), max_length=300)


class LockUserForm(forms.Form):
    user = forms.ModelChoiceField(label=_lazy("User"), queryset=User.objects.none())
    reason = forms.CharField(label=_lazy("Why"), max_length=300)

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users


def _lockable_users(admin: User):
    return (
        selectors.users_for_admin(admin)
        .filter(is_active=True, locked_at__isnull=True)
        .exclude(pk=admin.pk)
    )


@require_roles(ADMINS)
@require_GET
def lockdown(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/lockdown.html",
        {
            "locations": selectors.locations_for(request.user),
            "locked_users": User.objects.filter(locked_at__isnull=False).select_related(
                "locked_site"
            ),
            "user_form": LockUserForm(users=_lockable_users(request.user)),
        },
    )


def _done(request: HttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("portal:lockdown")


def _refused(request: HttpRequest, error: ValidationError | None = None) -> HttpResponse:
    texts = error.messages if error else [_("Say why (it is kept in the audit log).")]
    for text in texts:
        messages.error(request, text)
    return redirect("portal:lockdown")


@require_roles(ADMINS)
@require_POST
def lock_site(request: HttpRequest, pk: int) -> HttpResponse:
    location = get_object_for_user(request.user, Location.objects.all(), pk=pk)
    form = LockForm(request.POST)
    if not form.is_valid():
        return _refused(request)
    ended = services.lock_site(
        by=request.user, location=location, reason=form.cleaned_data["reason"]
    )
    return _done(
        request,
        _("%(site)s is locked: %(users)d users signed out and refused until you unlock it.")
        % {"site": location.code, "users": ended["users"]},
    )


@require_roles(ADMINS)
@require_POST
def unlock_site(request: HttpRequest, pk: int) -> HttpResponse:
    location = get_object_for_user(request.user, Location.objects.all(), pk=pk)
    freed = services.unlock_site(by=request.user, location=location)
    return _done(
        request,
        _("%(site)s is unlocked; %(users)d users may sign in again.")
        % {"site": location.code, "users": freed},
    )


@require_roles(ADMINS)
@require_POST
def lock_user(request: HttpRequest) -> HttpResponse:
    form = LockUserForm(request.POST, users=_lockable_users(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect("portal:lockdown")
    user = form.cleaned_data["user"]
    try:
        services.lock_user(by=request.user, user=user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        return _refused(request, error)
    return _done(request, _("%(user)s is locked and signed out.") % {"user": user})


@require_roles(ADMINS)
@require_POST
def unlock_user(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_for_user(
        request.user, selectors.users_for_admin(request.user).filter(locked_at__isnull=False), pk=pk
    )
    services.unlock_user(by=request.user, user=user)
    return _done(request, _("%(user)s may sign in again.") % {"user": user})
