"""The main menu of every page: the links a user's role reaches, and the role's name.

Written in Python when the page shows it (`MainMenu`), not by a template loop: through the
template engine the menu's seven links (a lookup, a test and a translation per link) took
about 1,700 Python calls of every page, and partial pages (htmx) paid for it unused."""

from functools import cached_property, lru_cache
from html import escape

from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal.labels import escaped_label
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


class MainMenu:
    """The main menu for the request's user: `links` (the `<li>` items) and `role` (the
    role's name), each written the first time the page uses it."""

    def __init__(self, request) -> None:
        self.request = request
        user = getattr(request, "user", None)
        self.user = user if user is not None and user.is_authenticated else None

    @cached_property
    def links(self) -> SafeString:
        if self.user is None:
            return SafeString("")
        language, path = get_language(), self.request.path
        urls = _menu_urls(get_urlconf(), get_script_prefix())
        items = []
        for (url_name, label, roles), url in zip(NAVIGATION, urls, strict=True):
            if self.user.role not in roles:
                continue
            active = path == url if url_name == "home" else path.startswith(url)
            current = ' active" aria-current="page' if active else ""
            items.append(
                f'<li class="nav-item"><a class="nav-link{current}" href="{escape(url)}">'
                f"{escaped_label(label, language)}</a></li>"
            )
        # The URLs and labels went through html.escape (tests/test_navigation.py).
        return mark_safe("\n".join(items))  # noqa: S308  # nosec B308 B703

    @cached_property
    def role(self) -> SafeString:
        if self.user is None:
            return SafeString("")
        # Escaped by escaped_label.
        return mark_safe(escaped_label(Role(self.user.role).label, get_language()))  # noqa: S308  # nosec B308 B703


@lru_cache(maxsize=16)
def _menu_urls(urlconf: str | None, script_prefix: str) -> tuple[str, ...]:
    """The menu's URLs, reversed once per URL configuration and prefix (what `reverse`
    depends on here: the URLs are not translated), not on every page."""
    return tuple(reverse(url_name, urlconf=urlconf) for url_name, _label, _roles in NAVIGATION)


def navigation(request) -> dict:
    return {"main_menu": MainMenu(request)}
