"""The core's part of /api/: the OpenAPI schema and docs, the personal token page, and a JSON
404 for anything else. `config.api_urls` puts the apps' v1 routes before these."""

from django.urls import path, re_path

from portal.api import token_views
from portal.api.views import DocsView, NotFoundView, SchemaView

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/revoke/", token_views.token_revoke, name="token_revoke"),
    # Anything else under /api/ (even with line breaks in the path) answers a JSON 404 in
    # the API's error format.
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="not_found"),
]
