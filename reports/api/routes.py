"""The reports app's API routes, mounted under /api/v1/ by `portal.api.urls`."""

from reports.api import views

# (URL prefix, viewset, route name prefix)
ROUTES = [
    ("reports", views.ReportViewSet, "api-report"),
]
