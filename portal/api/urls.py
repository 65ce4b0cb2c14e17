"""/api/: the REST API (v1), its OpenAPI schema and docs, and the personal token page.

Each app lists its routes in `<app>/api/routes.py`; add the module to `ROUTE_MODULES`.
"""

from importlib import import_module

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from portal.api import token_views
from portal.api.views import DocsView, NotFoundView, SchemaView

ROUTE_MODULES = [
    "portal.api.routes",
    "people.api.routes",
    "programs.api.routes",
    "reports.api.routes",
]

router = SimpleRouter()
for module_name in ROUTE_MODULES:
    for prefix, viewset, basename in import_module(module_name).ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="api_schema"),
    path("docs/", DocsView.as_view(), name="api_docs"),
    path("tokens/", token_views.token_list, name="api_tokens"),
    path("tokens/revoke/", token_views.token_revoke, name="api_token_revoke"),
    # Anything else under /api/ (even with line breaks in the path) answers a JSON 404 in
    # the API's error format.
    re_path(r"^[\s\S]*$", NotFoundView.as_view(), name="api_not_found"),
]
