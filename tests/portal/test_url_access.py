"""Deny by default: every URL declares who may reach it, and each rule is exercised."""

import importlib
import pkgutil

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse

import tests
from portal.access import PUBLIC
from portal.models import AuditEvent
from portal.roles import Role
from portal.views.accounts import closed
from tests.conftest import make_user

# URLs from libraries, with the rule that protects them. A new library URL fails the walk
# until someone decides its rule here.
LIBRARY_RULES = {
    # allauth: signed-out pages (its own views mark them login-not-required)
    "account_login": "public",
    "account_logout": "public",  # signing out needs no sign-in; POST only
    "account_inactive": "public",
    "account_reset_password": "public",
    "account_reset_password_done": "public",
    "account_reset_password_from_key": "public",
    "account_reset_password_from_key_done": "public",
    "account_confirm_login_code": "public",
    "account_confirm_email": "public",
    "account_email_verification_sent": "public",
    "mfa_authenticate": "public",
    "mfa_login_webauthn": "public",  # signing in with a passkey (issue 20)
    # allauth pages shadowed by `portal.views.accounts.closed` (no sign-up, no self-service e-mail)
    "account_signup": "closed",
    "account_email": "closed",
    # allauth: the signed-in user's own account (LoginRequiredMiddleware)
    "account_reauthenticate": "login",
    "account_change_password": "login",
    "account_set_password": "login",
    "mfa_index": "login",
    "mfa_reauthenticate": "login",
    "mfa_activate_totp": "login",
    "mfa_deactivate_totp": "login",
    "mfa_view_recovery_codes": "login",
    "mfa_generate_recovery_codes": "login",
    "mfa_download_recovery_codes": "login",
    "mfa_list_webauthn": "login",
    "mfa_add_webauthn": "login",
    "mfa_reauthenticate_webauthn": "login",
    "mfa_remove_webauthn": "login",
    "mfa_edit_webauthn": "login",
}


def walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield namespace, pattern


def test_every_url_declares_an_access_rule():
    undeclared = []
    for namespace, pattern in walk(get_resolver().url_patterns):
        if namespace == "admin":
            continue  # the Django admin: admins only, checked below
        rule = getattr(pattern.callback, "access_rule", None)
        if rule is None and pattern.name not in LIBRARY_RULES:
            undeclared.append(str(pattern.pattern))
        if isinstance(rule, str) and rule.startswith("api"):
            continue  # DRF authenticates API requests itself (401): tests/api/test_deny_by_default.py
        if rule == PUBLIC or LIBRARY_RULES.get(pattern.name) == "public":
            assert getattr(pattern.callback, "login_required", True) is False, pattern.name
        elif rule is not None or LIBRARY_RULES.get(pattern.name) == "login":
            assert getattr(pattern.callback, "login_required", True) is not False, pattern.name
    assert undeclared == [], f"URLs without an access rule: {undeclared}"


def test_closed_library_pages_are_shadowed():
    for name, rule in LIBRARY_RULES.items():
        if rule == "closed":
            assert resolve(reverse(name)).func.__wrapped__ is closed.__wrapped__


ADMIN_ONLY = {Role.ADMIN: 200, Role.CASE_WORKER: 403, Role.TRAINER: 403, Role.ANALYST: 403}

# (url, role, expected status); every role-restricted URL of the portal appears here.
MATRIX = [
    ("home", {}, {Role.ADMIN: 200, Role.CASE_WORKER: 200, Role.TRAINER: 200, Role.ANALYST: 200}),
    (
        "portal:users",
        {},
        {Role.ADMIN: 200, Role.CASE_WORKER: 403, Role.TRAINER: 403, Role.ANALYST: 403},
    ),
    (
        "portal:user_invite",
        {},
        {Role.ADMIN: 200, Role.CASE_WORKER: 403, Role.TRAINER: 403, Role.ANALYST: 403},
    ),
    (
        "portal:user_edit",
        {"pk": "self"},
        {Role.ADMIN: 200, Role.CASE_WORKER: 403, Role.TRAINER: 403, Role.ANALYST: 403},
    ),
    (
        "portal:pledge",
        {},
        {Role.ADMIN: 302, Role.CASE_WORKER: 302, Role.TRAINER: 302, Role.ANALYST: 302},
    ),
    (
        "admin:index",
        {},
        {Role.ADMIN: 200, Role.CASE_WORKER: 302, Role.TRAINER: 302, Role.ANALYST: 302},
    ),
    ("portal:audit_list", {}, ADMIN_ONLY),
    # My caseload: case workers and admins; analysts never see the exact supervision figures.
    (
        "caseload",
        {},
        {Role.ADMIN: 200, Role.CASE_WORKER: 200, Role.TRAINER: 403, Role.ANALYST: 403},
    ),
    ("portal:export_list", {}, ADMIN_ONLY),
    ("portal:export_new", {"kind": "people"}, ADMIN_ONLY),
    ("portal:lockdown", {}, ADMIN_ONLY),
]
POST_ONLY = {
    "portal:user_resend_invitation": {"pk": "self"},
    "portal:lock_site": {"pk": "self"},
    "portal:unlock_site": {"pk": "self"},
    "portal:lock_user": {},
    "portal:unlock_user": {"pk": "self"},
}


def portal_url_names():
    names = set()
    for namespace, pattern in walk(get_resolver().url_patterns):
        rule = getattr(pattern.callback, "access_rule", None)
        if rule not in (None, PUBLIC):
            names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return names


def declared_url_names() -> set[str]:
    """URL names covered by an access matrix: this file's and every `tests/<app>/access_matrix.py`
    (each app tests its own rows with objects of its own and other sites)."""

    names = {name for name, *_ in MATRIX} | set(POST_ONLY)
    for module in pkgutil.iter_modules(tests.__path__):
        if module.ispkg:
            try:
                matrix = importlib.import_module(f"tests.{module.name}.access_matrix")
            except ModuleNotFoundError:
                continue
            names |= set(matrix.URL_NAMES)
    return names


def test_matrix_covers_every_role_restricted_url():
    missing = portal_url_names() - declared_url_names()
    assert missing == set(), f"URLs without a row in an access matrix: {sorted(missing)}"


@pytest.mark.parametrize(
    ("url_name", "kwargs", "role", "expected"),
    [
        (name, kwargs, role, status)
        for name, kwargs, roles in MATRIX
        for role, status in roles.items()
    ],
)
def test_access_matrix(client, signed_in, mae_sot, url_name, kwargs, role, expected):
    user = make_user(role, [mae_sot])
    signed_in(user)
    kwargs = {key: user.pk if value == "self" else value for key, value in kwargs.items()}
    response = client.get(reverse(url_name, kwargs=kwargs))
    assert response.status_code == expected


@pytest.mark.parametrize("role", [Role.CASE_WORKER, Role.TRAINER, Role.ANALYST])
def test_post_only_admin_urls_refuse_other_roles(client, signed_in, mae_sot, role):
    user = make_user(role, [mae_sot])
    signed_in(user)
    for name, kwargs in POST_ONLY.items():
        response = client.post(reverse(name, kwargs={k: user.pk for k in kwargs}))
        assert response.status_code == 403


def test_denial_is_audited(client, signed_in, case_worker_mae_sot):
    signed_in(case_worker_mae_sot)
    assert client.get(reverse("portal:users")).status_code == 403
    event = AuditEvent.objects.get(action="permission_denied")
    assert event.actor == case_worker_mae_sot and event.path == "/users/"


def test_signed_out_visitor_is_sent_to_login(client, db):
    for name in ("home", "portal:users", "portal:pledge"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_out_of_scope_user_edit_is_404_not_403(client, signed_in, admin_user):
    signed_in(admin_user)
    assert client.get(reverse("portal:user_edit", args=[999999])).status_code == 404
