"""Personal API tokens (knox): created by the signed-in user, shown once, stored hashed.

The page is under /api/tokens/, not /accounts/, so the MFA and pledge middleware guard it like
every data page: a token can only be created after the second factor (admins, case workers).
Token requests themselves are checked again by `portal.api.permissions.AccountInGoodStanding`.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from knox.models import AuthToken
from knox.settings import knox_settings

from portal import auditing, services
from portal.access import require_roles
from portal.roles import EVERYONE

# The audit log names tokens by their first characters, never by the secret.
AUDIT_OBJECT_TYPE = AuthToken._meta.label_lower


def lifetime_choices() -> list[tuple[int, str]]:
    """1, 7 and 30 days, never longer than the configured lifetime (`API_TOKEN_DAYS`)."""
    longest = max(1, knox_settings.TOKEN_TTL.days)
    days = sorted({d for d in (1, 7, 30) if d <= longest} | {longest})
    return [(d, ngettext_lazy("%(days)d day", "%(days)d days", d) % {"days": d}) for d in days]


class TokenForm(forms.Form):
    days = forms.TypedChoiceField(label=gettext_lazy("Valid for"), coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = lifetime_choices()
        self.fields["days"].choices = choices
        self.fields["days"].initial = choices[-1][0]


def active_tokens(user):
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def short_key(token: AuthToken) -> str:
    """The first characters of the token, enough for its owner to recognise it."""
    return token.token_key[:8]


@require_roles(EVERYONE)
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and active_tokens(request.user).count() >= limit:
            form.add_error(
                None,
                _("You have %(limit)s tokens already: revoke one before creating another.")
                % {"limit": limit},
            )
        else:
            lifetime = timedelta(days=form.cleaned_data["days"])
            token, new_token = AuthToken.objects.create(request.user, expiry=lifetime)
            auditing.record(
                auditing.Action.CREATE,
                actor=request.user,
                object_type=AUDIT_OBJECT_TYPE,
                object_id=short_key(token),
                changes={"expires": [None, token.expiry.isoformat()]},
            )
            form = TokenForm()
    tokens = [
        {"token": token, "short_key": short_key(token)} for token in active_tokens(request.user)
    ]
    return render(
        request,
        "portal/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token},
    )


@require_roles(EVERYONE)
@require_POST
def token_revoke(request: HttpRequest) -> HttpResponse:
    token = AuthToken.objects.filter(
        user=request.user, digest=request.POST.get("token", "")
    ).first()
    if token is None:
        raise Http404
    key = short_key(token)
    services.revoke_token(by=request.user, token=token, key=key)
    messages.success(request, _("Token %(key)s… revoked.") % {"key": key})
    return redirect("api:tokens")
