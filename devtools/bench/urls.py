"""The benchmark's URLs: the portal's, plus a signed-in page with nothing of its own and the
peer admin (`devtools.bench.peer_admin`).

Used only by `manage.py bench` (as ROOT_URLCONF while it measures), never served: the page
shows what every signed-in page pays before its own work, against which the people list's
own cost can be read; the peer admin is the list a quick build would give, measured beside
the portal's (docs/performance.md).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path

from devtools.bench.peer_admin import PEER_ADMIN_PREFIX, peer_site
from portal.access import require_roles
from portal.roles import STAFF_WITH_PERSON_DATA

FLOOR_PATH = "/bench/floor/"


@require_roles(STAFF_WITH_PERSON_DATA)
def floor_page(request: HttpRequest) -> HttpResponse:
    """The base layout with an empty content block, through the whole middleware stack
    (sessions, authentication, MFA and pledge checks, CSP, security headers) and the same
    access rule as the people list."""
    return render(request, "base.html")


urlpatterns = [
    path(FLOOR_PATH.removeprefix("/"), floor_page),
    path(PEER_ADMIN_PREFIX, peer_site.urls),
    path("", include("config.urls")),
]
