"""The service worker behind offline attendance (issue 10).

Its code lives in `programs/static/programs/offline-sw.js`; this view serves it from
`/programs/sw.js` so that its default scope, `/programs/`, covers "My sessions" and the
rosters without a `Service-Worker-Allowed` header. A first line gives the worker the
addresses it needs (the queue script under its current static name, the pages, the API);
nothing about any user or person is in the answer, so anyone may fetch it.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_safe

from portal import offline_key
from portal.access import public

WORKER_SOURCE = "programs/offline-sw.js"
QUEUE_SCRIPT = "programs/offline-store.js"

# The API of docs/offline-attendance-api.md.
API_MINE = "/api/v1/sessions/mine/"
API_ATTENDANCE = "/api/v1/sessions/{id}/attendance/"


def page_config() -> dict[str, str | int]:
    """What the pages and the worker need to encrypt and expire the phone's data (issue 20):
    the names of the key-encryption-key cookies (portal.offline_key) and the expiry."""
    return {
        "keyCookie": offline_key.KEY_COOKIE,
        "previousKeyCookie": offline_key.PREVIOUS_COOKIE,
        "maxDays": settings.OFFLINE_DATA_MAX_DAYS,
    }


def worker_config() -> dict[str, str | int]:
    roster = reverse("programs:roster", args=[0]).replace("/0/", "/{id}/")
    return {
        "store": static(QUEUE_SCRIPT),
        # The worker's own directory: the widest scope allowed without Service-Worker-Allowed.
        "scope": reverse("programs:offline_sw").rsplit("/", 1)[0] + "/",
        "mySessions": reverse("programs:my_sessions"),
        "roster": roster,
        "mine": API_MINE,
        "attendance": API_ATTENDANCE,
        # STATIC_URL itself: `static("")` asks the manifest storage of production for a file
        # named "" and fails (the worker was answered 500, so no phone kept any roster).
        "staticUrl": settings.STATIC_URL,
        **page_config(),
    }


def _source() -> str:
    """The worker's code: from the source tree, or else from the collected static files."""
    path = finders.find(WORKER_SOURCE)
    if path:
        return Path(path).read_text(encoding="utf-8")
    if staticfiles_storage.exists(WORKER_SOURCE):
        with staticfiles_storage.open(WORKER_SOURCE) as collected:
            return collected.read().decode("utf-8")
    raise Http404("No service worker.")


@public
@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    config = json.dumps(worker_config(), sort_keys=True)
    response = HttpResponse(
        f"self.OFFLINE_SW = {config};\n{_source()}",
        content_type="application/javascript; charset=utf-8",
    )
    # Checked on every registration and navigation; signed-in requests get `no-store` from
    # SecurityHeadersMiddleware, which is stricter still.
    response["Cache-Control"] = "no-cache"
    return response
