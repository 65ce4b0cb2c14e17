"""The portal app's API routes, mounted under /api/v1/ by `config.api_urls`."""

from portal.api.locations import LocationViewSet

# (URL prefix, viewset, route name, in the `api:` namespace)
ROUTES = [
    ("locations", LocationViewSet, "location"),
]
