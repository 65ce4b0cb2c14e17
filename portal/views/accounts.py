"""Accounts: invitations, the data-protection pledge and the admins' user pages."""

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import selectors, services
from portal.access import public, require_roles
from portal.concurrency import StaleEditError
from portal.forms import InvitationForm, PledgeForm, SetPasswordForm, UserEditForm
from portal.models import Invitation, Pledge
from portal.roles import ADMINS, EVERYONE, Role
from portal.scoping import get_object_for_user


@require_GET
def closed(request: HttpRequest) -> HttpResponse:
    """Pages of allauth that this portal does not offer."""
    raise Http404


@require_roles(EVERYONE)
@require_http_methods(["GET", "POST"])
def pledge(request: HttpRequest) -> HttpResponse:
    current = Pledge.current()
    next_url = request.GET.get("next") or request.POST.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("home")
    if current is None or services.has_accepted_current_pledge(request.user):
        return redirect(next_url)
    form = PledgeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.accept_pledge(request.user, current)
        messages.success(request, _("Thank you. You accepted the data-protection pledge."))
        return redirect(next_url)
    return render(
        request, "portal/pledge.html", {"portal:pledge": current, "form": form, "next": next_url}
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.find_open(token)
    if invitation is None:
        return render(request, "portal/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        logout(request)
    form = SetPasswordForm(invitation.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.accept_invitation(invitation, form.cleaned_data["password1"])
        messages.success(request, _("Your password is set. Please sign in."))
        return redirect("account_login")
    return render(request, "portal/invitation_accept.html", {"form": form})


@require_roles(ADMINS)
@require_GET
def user_list(request: HttpRequest) -> HttpResponse:
    users = selectors.users_for_admin(request.user)
    return render(request, "portal/user_list.html", {"users": users})


@require_roles(ADMINS)
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.invite_user(
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            sites=data["sites"],
            ends_on=data["ends_on"],
            invited_by=request.user,
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
        messages.success(request, _("Invitation sent. The link is valid for 72 hours."))
        return redirect("portal:users")
    return render(request, "portal/user_form.html", {"form": form, "title": _("Invite a user")})


@require_roles(ADMINS)
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_for_user(request.user, selectors.users_for_admin(request.user), pk=pk)
    assignments = list(target.site_assignments.all())
    initial = {
        "full_name": target.full_name,
        "role": target.role,
        "sites": [a.location for a in assignments],
        "ends_on": next((a.ends_on for a in assignments if a.ends_on), None),
        "is_active": target.is_active,
    }
    form = UserEditForm(
        request.POST if request.method == "POST" else None, initial=initial, record=target
    )
    context = {"form": form, "title": _("Edit user"), "target": target}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if target == request.user and (data["role"] != Role.ADMIN or not data["is_active"]):
            form.add_error(None, _("You cannot remove your own admin role or deactivate yourself."))
        else:
            try:
                services.update_user(
                    target,
                    changed_by=request.user,
                    full_name=data["full_name"],
                    role=data["role"],
                    sites=data["sites"],
                    ends_on=data["ends_on"],
                    is_active=data["is_active"],
                    expected_version=form.expected_version,
                )
            except StaleEditError as stale:
                context["stale_changes"] = stale.changes
                return render(request, "portal/user_form.html", context, status=409)
            messages.success(request, _("Changes saved. They apply from the user's next request."))
            return redirect("portal:users")
    return render(request, "portal/user_form.html", context)


@require_roles(ADMINS)
@require_POST
def user_resend_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    target = get_object_for_user(request.user, selectors.users_for_admin(request.user), pk=pk)
    if target.has_usable_password():
        messages.error(request, _("This user has already set a password."))
    else:
        services.resend_invitation(
            target, request.user, base_url=request.build_absolute_uri("/").rstrip("/")
        )
        messages.success(request, _("A new invitation was sent; earlier links no longer work."))
    return redirect("portal:users")
