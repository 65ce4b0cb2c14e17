from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.roles import Role

# (url name, label, roles that see the link)
NAVIGATION = [
    ("home", _("Home"), set(Role)),
    ("people:list", _("People"), {Role.ADMIN, Role.CASE_WORKER}),
    ("caseload", _("My caseload"), {Role.CASE_WORKER}),
    ("caseload", _("Caseloads"), {Role.ADMIN}),
    ("programs:my_sessions", _("My sessions"), {Role.TRAINER}),
    ("programs:session_list", _("Training"), {Role.ADMIN, Role.CASE_WORKER}),
    ("programs:distribution_list", _("Assistance"), {Role.ADMIN, Role.CASE_WORKER}),
    ("programs:occupancy", _("Safe homes"), {Role.ADMIN, Role.CASE_WORKER}),
    ("reports:index", _("Statistics"), {Role.ADMIN, Role.ANALYST}),
    ("portal:users", _("Users"), {Role.ADMIN}),
    ("portal:audit_list", _("Audit log"), {Role.ADMIN}),
    ("api:tokens", _("API tokens"), set(Role)),
    ("admin:index", _("Administration"), {Role.ADMIN}),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for url_name, label, roles in NAVIGATION:
        if user.role in roles:
            url = reverse(url_name)
            active = request.path == url if url_name == "home" else request.path.startswith(url)
            items.append({"url": url, "label": label, "active": active})
    return {"nav_items": items}
