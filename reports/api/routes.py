"""The reports app's API routes, mounted under /api/v1/ by `config.api_urls`."""

from reports.api import views

# (URL prefix, viewset, route name, in the `api:` namespace)
ROUTES = [
    ("reports", views.ReportViewSet, "report"),
    ("report-versions", views.VersionViewSet, "report-version"),
]
