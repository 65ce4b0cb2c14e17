"""Who may call the API: deny by default, then the same role rules as the screens.

Every API view uses `API_PERMISSIONS`:

1. `IsAuthenticated`: a personal token (knox) or a browser session (CSRF enforced by DRF).
2. `AccountInGoodStanding`: the checks the middleware applies to browser pages, repeated here
   because token requests reach DRF as anonymous requests for the middleware: admins and
   case workers must have a second factor, and everyone must have accepted the current pledge.
3. `RolePermission`: the view's `role_serializers` (roles that read), `write_roles` (roles
   that change) and `action_roles` (per action, e.g. a custom POST action).

Records outside a user's scope are not a permission question: `get_queryset` narrows every
queryset with `portal.scoping.visible_to`, so they answer 404.
"""

from __future__ import annotations

from allauth.mfa.utils import is_mfa_enabled
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from portal.roles import MFA_REQUIRED_ROLES
from portal.services import has_accepted_current_pledge

# The access rule carried by every API URL callback (see `portal.access` and the URL walk in
# tests/portal/test_url_access.py): DRF authenticates the request itself (token or session)
# and refuses anonymous callers with 401, so Django's LoginRequiredMiddleware is bypassed.
API_RULE = "api: IsAuthenticated + AccountInGoodStanding + RolePermission"


class RoleDenied(exceptions.PermissionDenied):
    """A signed-in user whose role (or account state) does not admit the request.

    Raised before the view touches the database, so the exception handler records the denial
    in the audit log and keeps that row (no rollback), as `portal.access.forbidden` does."""

    default_detail = _("Your role does not allow this.")
    default_code = "permission_denied"


class AccountInGoodStanding(permissions.BasePermission):
    """Second factor for roles that need it, and the current pledge accepted."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user.locked_at is not None:
            raise RoleDenied(_("This account is locked. Ask an admin."))
        if getattr(request._request, "account_checked_for", None) == user.pk:
            return True  # a browser session: the middleware has just checked both
        if user.role in MFA_REQUIRED_ROLES and not is_mfa_enabled(user):
            raise RoleDenied(_("Set up two-factor authentication in the portal first."))
        if not has_accepted_current_pledge(user):
            raise RoleDenied(_("Accept the current data-protection pledge in the portal first."))
        return True


class RolePermission(permissions.BasePermission):
    """Roles per action, declared on the view (see `portal.api.views.PortalViewSet`)."""

    def has_permission(self, request, view) -> bool:
        if request.user.role not in allowed_roles(view, request):
            raise RoleDenied()
        return True


def allowed_roles(view, request) -> frozenset[str]:
    action = getattr(view, "action", None)
    action_roles = getattr(view, "action_roles", {})
    if action in action_roles:
        return frozenset(action_roles[action])
    readers = frozenset(getattr(view, "role_serializers", {}))
    if request.method in permissions.SAFE_METHODS:
        return readers
    return frozenset(getattr(view, "write_roles", frozenset())) & readers


API_PERMISSIONS = [permissions.IsAuthenticated, AccountInGoodStanding, RolePermission]
# Views with no role rule of their own (schema, docs, the API's 404): any signed-in user.
SIGNED_IN_PERMISSIONS = [permissions.IsAuthenticated, AccountInGoodStanding]
