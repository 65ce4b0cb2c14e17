"""The audit log's hash chain: what a row's hash covers and how it is computed.

A leaf module (no models): the audit model seals rows with it as they are written, the
migration that chains the rows written before the chain existed, and the verification
(`portal.audit_integrity`) recompute with it.

Each row stores its place in the chain (`chain_seq`, 1, 2, 3, ...), the hash of the row
before it (`chain_previous`) and its own hash (`chain_hash`): SHA-256 over the previous hash,
the place and the row's content in a canonical form. Changing a row's content breaks its own
hash; rewriting its hash as well breaks the link stored in the next row; removing a row
leaves a gap in the places; a row written outside the application carries no place.
Rewriting every row from some point to the end is detected only from outside: by comparing
with a head e-mailed earlier (`verify_audit --expect`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first row

# The columns a row's hash covers, in this order. `id` is not among them: it is known only
# once the row is inserted, and the hash is computed before (rows are never updated).
CONTENT_FIELDS = (
    "occurred_at", "actor_id", "action", "object_type", "object_id", "person_id", "site_id",
    "source_ip", "request_id", "path", "changes",
)  # fmt: skip


def _canonical(name: str, value: Any) -> Any:
    if name == "occurred_at":
        return value.astimezone(UTC).isoformat() if isinstance(value, datetime) else value
    if name == "changes":
        # As the database gives it back: tuples become lists, keys become strings.
        return json.loads(json.dumps(value or {}))
    return value


def digest(content: dict[str, Any], seq: int, previous: str) -> str:
    """The hash of a row with `content` (the CONTENT_FIELDS) at place `seq` after `previous`."""
    canonical = {name: _canonical(name, content.get(name)) for name in CONTENT_FIELDS}
    payload = json.dumps(
        [previous, seq, canonical], sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def content_of(row: Any) -> dict[str, Any]:
    """The CONTENT_FIELDS of an audit row (a model instance)."""
    return {name: getattr(row, name) for name in CONTENT_FIELDS}
