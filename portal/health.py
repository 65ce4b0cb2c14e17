"""Checks behind /healthz."""

import logging

from celery import current_app
from django.db import connection

logger = logging.getLogger(__name__)


def database_is_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        # The class name only: the message may carry the server's address or user name.
        logger.warning("Health check: database unreachable (%s)", type(error).__name__)
        return False


def broker_is_reachable(timeout: float = 2.0) -> bool:
    """True when a connection to the broker can be opened within `timeout` seconds."""
    try:
        # The project's Celery app (config.celery) is the current app: the core does not import it.
        with current_app.connection_for_write() as connection_:
            connection_.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means "down"
        return False
