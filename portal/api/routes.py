"""The portal app's API routes, mounted under /api/v1/ by `portal.api.urls`."""

from portal.api.locations import LocationViewSet

# (URL prefix, viewset, route name prefix)
ROUTES = [
    ("locations", LocationViewSet, "api-location"),
]
