"""OpenAPI schema without warnings, and Swagger UI served offline (sidecar, no CDN)."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from portal.api.filters import PERSONAL_QUERY_PARAMETERS


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_schema_is_generated_and_valid_without_warnings(tmp_path):
    path = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning or error of drf-spectacular into a failure.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    document = yaml.safe_load(path.read_text())
    assert document["openapi"].startswith("3.")
    assert all(path.startswith("/api/v1/") for path in document["paths"])


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_auth_errors_and_security(schema):
    for path, method, operation in operations(schema):
        assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
        assert operation["security"] == [{"knoxApiToken": []}, {"cookieAuth": []}]


def test_writes_require_if_match_and_reads_return_an_etag(schema):
    for path, method, operation in operations(schema):
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        if method in ("put", "patch"):
            assert headers["If-Match"]["required"] is True, (method, path)
            assert {"412", "428"} <= set(operation["responses"])
        success = operation["responses"].get("200") or operation["responses"].get("201")
        if path == SEARCH:
            assert "ETag" not in success.get("headers", {})  # a page of records, not one
        elif "{id}" in path or method == "post":
            assert "ETag" in success.get("headers", {}), (method, path)


SEARCH = "/api/v1/people/search/"


def test_the_people_search_is_documented_with_its_body(schema):
    operation = schema["paths"][SEARCH]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    assert {"q", "location", "status", "exit_type", "affiliation", "recruit_status"} <= set(
        component["properties"]
    )
    assert {"exit_month", "ordering", "page", "page_size"} <= set(component["properties"])
    assert component["properties"]["q"]["pattern"] == "^[^\\x00]*$"
    assert component["properties"]["page_size"]["maximum"] == 200
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = schema["components"]["schemas"][page.rsplit("/", 1)[1]]
    assert {"count", "count_exact", "next_page", "previous_page", "results"} == set(
        page["properties"]
    )
    assert {"400", "401", "403", "404", "429"} <= set(operation["responses"])


def test_no_list_documents_a_personal_query_parameter(schema):
    for path, method, operation in operations(schema):
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert not names & PERSONAL_QUERY_PARAMETERS, (method, path)


def test_role_dependent_fields_are_optional_in_responses(schema):
    person = schema["components"]["schemas"]["Person"]
    assert {"created_by", "updated_at"} <= set(person["properties"])
    assert not {"created_by", "updated_at"} & set(person["required"])
    update = schema["components"]["schemas"]["PersonUpdateRequest"]
    assert "exit" not in update["properties"]  # create-only


def test_no_basic_auth_in_the_schema(schema):
    schemes = schema["components"]["securitySchemes"]
    assert set(schemes) == {"knoxApiToken", "cookieAuth"}


def test_schema_endpoint_needs_authentication(api, analyst):
    assert api().get(reverse("api:schema")).status_code == 401
    response = api(analyst).get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Support services portal API"


def test_docs_are_served_offline_without_inline_code(client, signed_in, analyst):
    signed_in(analyst)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f"/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}" in page
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{asset}")
    assert not re.search(r"cdn|unpkg|jsdelivr|https?://", page, re.IGNORECASE)
    assert "<style" not in page
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attributes for attributes in scripts)
    assert "script-src 'self'" in response["Content-Security-Policy"]

    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert reverse("api:schema") in script.content.decode()


def test_docs_need_sign_in(client, db):
    assert client.get(reverse("api:docs")).status_code == 401


def test_every_string_parameter_documents_what_it_accepts(schema):
    # A bare {"type": "string"} promises any text, NUL characters included, which Django refuses
    # with a 400: the schema must say so (a pattern), or list the values (an enum).
    for path, method, operation in operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["in"] not in ("query", "path"):
                continue
            described = parameter["schema"]
            if described.get("type") == "string":
                assert {"enum", "pattern", "format"} & set(described), (
                    method,
                    path,
                    parameter["name"],
                )
