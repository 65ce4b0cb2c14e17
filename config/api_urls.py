"""/api/ (`api:` names): the REST API v1 from every app's `api/routes.py`, then the core's
schema, docs, token pages and JSON 404 (`portal.api.urls`, which must come last)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from people.api import routes as people_routes
from portal.api import routes as portal_routes
from portal.api import urls as portal_api_urls
from programs.api import routes as programs_routes
from reports.api import routes as reports_routes

app_name = "api"

router = SimpleRouter()
for routes in (portal_routes, people_routes, programs_routes, reports_routes):
    for prefix, viewset, basename in routes.ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("v1/", include(router.urls)),
    *portal_api_urls.urlpatterns,
]
