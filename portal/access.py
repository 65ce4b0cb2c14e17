"""Access rules for views. Every URL declares one; a test walks the resolver to make sure.

- `require_roles(*roles)`: signed-in users whose role is listed; others get 403 and an
  audit row (login itself is enforced by Django's LoginRequiredMiddleware).
- `public`: no sign-in needed (health check, invitation links). Use sparingly.
"""

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template.loader import render_to_string

from portal import auditing
from portal.scoping import ReadOnlyRecord

PUBLIC = "public"


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    """Record the denial and answer 403 (with `message`, else the page's own words). A
    response, not an exception: the audit row of the denial must survive the request's
    transaction."""
    auditing.record(auditing.Action.PERMISSION_DENIED, actor=request.user)
    return HttpResponseForbidden(
        render_to_string("403.html", {"message": message}, request=request)
    )


def require_roles(*roles: str | Iterable[str]) -> Callable:
    allowed: set[str] = set()
    for role in roles:
        allowed.update([role] if isinstance(role, str) else role)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role not in allowed:
                return forbidden(request)
            try:
                return view(request, *args, **kwargs)
            except ReadOnlyRecord as refused:
                # A change to history the user's site only keeps (a person transferred away):
                # refused and audited like a role's refusal (`portal.scoping`).
                return forbidden(request, str(refused.args[0]))

        wrapper.access_rule = frozenset(allowed)
        return wrapper

    return decorator


def public(view: Callable) -> Callable:
    view = login_not_required(view)
    view.access_rule = PUBLIC
    return view
