"""/healthz: database and broker status for load balancers and monitoring."""

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.access import public
from portal.health import broker_is_reachable, database_is_reachable


# No request transaction: with ATOMIC_REQUESTS one would be opened before the view runs, and
# a database that is down would make the check itself fail with a 500.
@transaction.non_atomic_requests
@public
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status, for load balancers and monitoring. No personal data."""
    database_ok = database_is_reachable()
    broker_ok = broker_is_reachable()
    healthy = database_ok and broker_ok
    body = {
        "status": "ok" if healthy else "error",
        "database": "ok" if database_ok else "error",
        "broker": "ok" if broker_ok else "error",
    }
    return JsonResponse(body, status=200 if healthy else 503)
