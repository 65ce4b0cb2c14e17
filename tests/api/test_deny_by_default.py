"""Deny by default: every API URL authenticates (token or session with CSRF), never with HTTP
Basic, never AllowAny; anonymous requests get 401; errors share one format."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from knox.auth import TokenAuthentication
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.test import APIClient
from rest_framework.throttling import UserRateThrottle

from portal.api.permissions import API_RULE, AccountInGoodStanding
from tests.factories import PASSWORD


def api_patterns():
    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif getattr(pattern.callback, "access_rule", None) == API_RULE:
                yield pattern

    return list(walk(get_resolver().url_patterns))


def test_api_urls_carry_the_api_rule():
    names = {pattern.name for pattern in api_patterns()}  # names within the `api:` namespace
    assert "person-list" in names and "schema" in names and "docs" in names
    assert {"tokens", "token_revoke"}.isdisjoint(names)  # pages: require_roles


@pytest.mark.parametrize("pattern", api_patterns(), ids=lambda p: p.name)
def test_every_api_view_authenticates_and_checks_permissions(pattern):
    view = pattern.callback.cls
    assert view.authentication_classes == [TokenAuthentication, SessionAuthentication]
    assert view.permission_classes[:2] == [IsAuthenticated, AccountInGoodStanding]
    assert AllowAny not in view.permission_classes


@pytest.mark.parametrize(
    "url",
    [
        reverse("api:person-list"),
        reverse("api:person-detail", args=[1]),
        reverse("api:location-list"),
        reverse("api:follow-up-complete", args=[1]),
        reverse("api:schema"),
        reverse("api:docs"),
        "/api/v1/nothing-here/",
    ],
)
def test_anonymous_requests_are_refused(db, url):
    client = APIClient()
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 401, (method, url)
        assert response["WWW-Authenticate"] == "Token"


def test_http_basic_authentication_is_not_accepted(db, case_worker_mae_sot):
    credentials = base64.b64encode(f"{case_worker_mae_sot.email}:{PASSWORD}".encode()).decode()
    client = APIClient(HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert client.get(reverse("api:person-list")).status_code == 401


def test_wrong_token_is_refused(db):
    client = APIClient(HTTP_AUTHORIZATION="Token " + "0" * 64)
    response = client.get(reverse("api:person-list"))
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "code": "authentication_failed",
        "detail": "Invalid token.",
        "errors": {},
    }


def test_session_works_for_reads_and_enforces_csrf_on_writes(case_worker_mae_sot, mae_sot):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(case_worker_mae_sot, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("api:person-list")).status_code == 200
    response = client.post(
        reverse("api:person-list"), {"full_name": "X", "location": mae_sot.pk}, format="json"
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_session_requests_check_mfa_and_pledge_once(case_worker_mae_sot):
    """The middleware has checked the session user's second factor and pledge: the API does
    not ask the database again (token requests are checked by the API, see test_tokens)."""

    client = APIClient()
    client.force_login(case_worker_mae_sot, backend="django.contrib.auth.backends.ModelBackend")
    client.get(reverse("api:person-list"))  # the first request records the pledge in the session
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("api:person-list")).status_code == 200
    sql = [query["sql"] for query in captured.captured_queries]
    assert sum("mfa_authenticator" in statement for statement in sql) == 1
    assert not any("portal_pledgeacceptance" in statement for statement in sql)


@pytest.mark.parametrize("path", ["/api/v1/people/1.5/", "/api/v1/no%0Asuch/", "/api/v2/"])
def test_unknown_api_path_is_a_json_404(api, admin_user, path):
    response = api(admin_user).get(path)
    assert response.status_code == 404
    assert response.json() == {
        "status": 404, "code": "not_found", "detail": "Not found.", "errors": {},
    }  # fmt: skip


@pytest.mark.parametrize("lookup", ["abc", "0", "-1", "99999999999999999999999"])
def test_impossible_ids_are_not_found(api, admin_user, lookup):
    assert api(admin_user).get(f"/api/v1/people/{lookup}/").status_code == 404


def test_error_format_for_field_errors(api, admin_user):
    response = api(admin_user).post(reverse("api:partner-list"), {"nmae": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "errors": {"nmae": ["Unknown field."]},
    }


def test_body_must_be_a_json_object(api, admin_user):
    client = api(admin_user)
    response = client.post(reverse("api:partner-list"), [1, 2], format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()["errors"]
    response = client.post(
        reverse("api:partner-list"), "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415


def test_options_is_not_offered(api, admin_user):
    response = api(admin_user).options(reverse("api:person-list"))
    assert response.status_code == 405


def test_throttling_per_user(api, settings, case_worker_mae_sot, admin_user):
    original = UserRateThrottle.THROTTLE_RATES
    UserRateThrottle.THROTTLE_RATES = {"user": "2/minute"}
    try:
        client = api(case_worker_mae_sot)
        statuses = [client.get(reverse("api:location-list")).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert api(admin_user).get(reverse("api:location-list")).status_code == 200
    finally:
        UserRateThrottle.THROTTLE_RATES = original


def test_free_text_with_nul_is_refused_as_documented(api, admin_user):
    response = api(admin_user).get(reverse("api:partner-list"), {"search": "a\x00b"})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["search"]


def test_a_search_term_with_nul_is_refused_as_documented(api, admin_user):
    response = api(admin_user).post(reverse("api:person-search"), {"q": "a\x00b"}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["q"]
