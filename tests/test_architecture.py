"""The structure of README "Layout", checked where import-linter cannot see it: URL names,
role names, views and static files. (`make lint` checks the imports.)"""

import re
from pathlib import Path

from django.urls import URLResolver, get_resolver

from portal.roles import Role

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "portal", "people", "programs", "reports", "devtools")
# The project's own pages (config/urls.py); libraries' names are allauth's.
PROJECT_URL_NAMES = {"home", "healthz", "set_language", "caseload"}
LIBRARY_URL_PREFIXES = ("account_", "mfa_")


def _patterns(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, pattern.namespace or namespace)
        else:
            yield namespace, pattern


def _sources(*, tests: bool = False):
    folders = APPS + (("tests",) if tests else ())
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def test_every_url_name_of_an_app_is_namespaced():
    plain = sorted(
        pattern.name
        for namespace, pattern in _patterns(get_resolver().url_patterns)
        if pattern.name
        and namespace is None
        and pattern.name not in PROJECT_URL_NAMES
        and not pattern.name.startswith(LIBRARY_URL_PREFIXES)
    )
    assert plain == [], f"URL names without a namespace: {plain}"


ROLES = "|".join(role.value for role in Role)
ROLE_LITERAL = re.compile(
    # role == "admin", role="admin", role__in=["admin", ...], user.role != "trainer"
    rf"""role(?:__in)?\s*(?:==|!=|=|\bin\b)\s*[\[(]?\s*["']({ROLES})["']"""
    # {"case_worker"}, frozenset({"analyst", ...}): a set of roles (not a dict's key)
    rf"""|\{{\s*["']({ROLES})["']\s*[,}}]"""
)


def test_role_names_come_from_portal_roles():
    """`Role.ADMIN`, not "admin": a renamed role cannot leave a check behind."""
    offenders = []
    for path in _sources():
        if path.name == "roles.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ROLE_LITERAL.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_role_literal_pattern_finds_the_usual_forms():
    for line in ('role="admin"', 'if role == "trainer":', 'frozenset({"analyst"})'):
        assert ROLE_LITERAL.search(line), line
    assert not ROLE_LITERAL.search('fields = ["case_worker", "phone"]')
    assert not ROLE_LITERAL.search('ValidationError({"trainer": "not at this site"})')


def test_an_app_has_views_in_a_module_or_a_package_not_both():
    for app in APPS:
        folder = ROOT / app
        assert not ((folder / "views.py").exists() and (folder / "views").is_dir()), app


def test_javascript_lives_under_the_app_that_owns_it():
    """Project-wide static files are the vendored libraries and the shared stylesheet."""
    scripts = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "static").rglob("*.js")
        if "vendor" not in path.parts
    )
    assert scripts == []
