"""Reads that may go to a PostgreSQL streaming replica (REPLICA_DATABASE_URL).

Why a context manager and not a global read router: most reads must see what was just
written (a saved person, a claimed job, the audit chain), and a replica is always a little
behind. So reads go to the primary unless the code asks, around a read that can be a few
seconds old and is long enough to matter: a report build's figures, an export's rows, the
analysts' dashboard of a released report. `ReplicaRouter` then sends the reads made inside
`reading_from_replica()` to the replica, without threading `.using()` through every
queryset of the report sections. Writes always go to the primary, inside the block too.

The replica is used only when it answers and is at most REPLICA_MAX_LAG_SECONDS behind;
otherwise the block reads from the primary and a log line (no personal data) says why.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
_reading_alias: ContextVar[str | None] = ContextVar("reading_alias", default=None)


class ReplicaRouter:
    """Reads inside `reading_from_replica()` go to the alias it chose; everything else to
    the primary (an object loaded from the replica is read again from the primary later)."""

    def db_for_read(self, model, **hints) -> str:
        return _reading_alias.get() or DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # The same database seen through two connections.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_lag() -> float | None:
    """Seconds the replica is behind the primary: 0 when it has replayed all the primary
    has written (LSN comparison), otherwise the age of the last transaction it replayed.
    None when the replica cannot be reached."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        primary_lsn = cursor.fetchone()[0]
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())",
                [primary_lsn],
            )
            in_recovery, caught_up, replay_age = cursor.fetchone()
    except DatabaseError:
        # Drop the broken connection, so that the next block connects afresh.
        connections[REPLICA].close()
        return None
    if not in_recovery or caught_up:
        # A server that is not a standby (tests read the primary through the alias) holds
        # all it committed; a standby that replayed up to the primary's LSN is current.
        return 0.0
    return float(replay_age) if replay_age is not None else float("inf")


def choose_alias(purpose: str) -> str:
    """The alias a long read should use: the replica when it answers and is recent enough.
    `purpose` names the kind of read in the log line (never anything about a person)."""
    if not replica_configured():
        return DEFAULT_DB_ALIAS
    lag = replica_lag()
    limit = settings.REPLICA_MAX_LAG_SECONDS
    if lag is None:
        logger.warning("replica unreachable: %s reads from the primary", purpose)
        return DEFAULT_DB_ALIAS
    if lag > limit:
        logger.warning(
            "replica %.1f s behind (limit %.1f s): %s reads from the primary", lag, limit, purpose
        )
        return DEFAULT_DB_ALIAS
    return REPLICA


@contextmanager
def reading_from_replica(purpose: str) -> Iterator[str]:
    """Reads in the block go to the replica when it is usable (see `choose_alias`), writes
    to the primary. Yields the alias the reads use."""
    alias = choose_alias(purpose)
    token = _reading_alias.set(alias if alias != DEFAULT_DB_ALIAS else None)
    try:
        yield alias
    finally:
        _reading_alias.reset(token)
