"""Verifying the audit log's hash chain (`portal.audit_chain`), keeping the result, and
sending its head to the admins.

The whole chain is walked by `manage.py verify_audit` and by the daily task
(`portal.tasks.verify_audit_chain`), never by a page: the audit screen shows the last stored
result (`AuditChainCheck`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from portal import audit_chain
from portal.models import AuditChainCheck, AuditChainHead, AuditEvent, User
from portal.roles import Role

Problem = AuditChainCheck.Problem
CHUNK = 5000


@dataclass
class ChainState:
    """What a walk of the chain found: how far it verified, and the first broken link."""

    rows: int = 0
    last_row_id: int | None = None
    last_seq: int = 0
    last_hash: str = ""
    broken_row_id: int | None = None
    problem: str = ""
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def broken(self, row_id: int | None, problem: str, detail: str) -> None:
        """Keep the first broken link only: the lowest row id when two are found."""
        if self.problem and (
            row_id is None or (self.broken_row_id is not None and self.broken_row_id <= row_id)
        ):
            return
        self.broken_row_id, self.problem, self.detail = row_id, problem, detail[:300]


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the log while it is walked: rows written meanwhile by other
    processes (and the head they move) are not seen, so they cannot look like tampering."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _rows():
    return (
        AuditEvent.objects.filter(chain_seq__isnull=False)
        .order_by("chain_seq")
        .values_list("id", "chain_seq", "chain_previous", "chain_hash", *audit_chain.CONTENT_FIELDS)
        .iterator(chunk_size=CHUNK)
    )


def verify(expect: Mapping[int, str] | None = None) -> ChainState:
    """Walk the whole chain in order and name the first broken link.

    `expect` maps row ids to hashes known from outside (the e-mailed heads): a row whose
    hash differs was rewritten, together with every row after it, by someone who recomputed
    the chain. The last successful check stored is such an anchor as well.
    """
    anchors = dict(expect or {})
    earlier = AuditChainCheck.objects.filter(ok=True, last_row_id__isnull=False).first()
    if earlier is not None:
        anchors.setdefault(earlier.last_row_id, earlier.last_hash)
    state = ChainState()
    with _snapshot():
        head = AuditChainHead.objects.filter(pk=AuditChainHead.HEAD_ID).first()
        _walk(state, anchors, earlier)
        _check_unchained(state)
        _check_head(state, head)
        _check_anchors_seen(state, anchors)
    return state


def _walk(state: ChainState, anchors: Mapping[int, str], earlier: AuditChainCheck | None):
    previous, expected = audit_chain.GENESIS, 1
    names = audit_chain.CONTENT_FIELDS
    for row_id, seq, stored_previous, stored_hash, *content in _rows():
        if seq < expected:
            state.broken(row_id, Problem.INSERTED, f"Row {row_id} repeats chain place {seq}.")
            return
        if seq > expected:
            state.broken(
                row_id,
                Problem.MISSING,
                f"Rows at chain places {expected}–{seq - 1} are missing "
                f"(between row {state.last_row_id or '—'} and row {row_id}).",
            )
            return
        if audit_chain.digest(dict(zip(names, content, strict=True)), seq, stored_previous) != (
            stored_hash
        ):
            state.broken(row_id, Problem.CHANGED, f"Row {row_id} no longer matches its hash.")
            return
        if stored_previous != previous:
            # This row is intact, but the row before it is not the one it was chained to:
            # that row was changed and its hash recomputed.
            state.broken(
                state.last_row_id,
                Problem.CHANGED,
                f"Row {state.last_row_id} was changed and its hash recomputed: row {row_id} "
                "was chained to a different hash.",
            )
            return
        if row_id in anchors and anchors[row_id] != stored_hash:
            since = (
                f" since the check of {earlier.checked_at:%Y-%m-%d %H:%M} UTC"
                if earlier is not None and earlier.last_row_id == row_id
                else ""
            )
            state.broken(
                row_id,
                Problem.REWRITTEN,
                f"Row {row_id} has a different hash than known{since}: the chain was "
                "recomputed from this row or an earlier one.",
            )
            return
        state.rows += 1
        state.last_row_id, state.last_seq, state.last_hash = row_id, seq, stored_hash
        previous, expected = stored_hash, seq + 1


def _check_unchained(state: ChainState) -> None:
    row_id = (
        AuditEvent.objects.filter(chain_seq__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if row_id is not None:
        state.broken(
            row_id,
            Problem.INSERTED,
            f"Row {row_id} has no place in the chain: it was written outside the application.",
        )


def _check_head(state: ChainState, head: AuditChainHead | None) -> None:
    if state.problem:
        return
    head_seq = head.seq if head is not None else 0
    head_hash = head.hash if head is not None else audit_chain.GENESIS
    if head is None and state.rows:
        state.broken(None, Problem.MISSING, "The chain's head record is missing.")
    elif head_seq > state.last_seq:
        state.broken(
            None,
            Problem.MISSING,
            f"The last rows (chain places {state.last_seq + 1}–{head_seq}) are missing, "
            f"after row {state.last_row_id or '—'}.",
        )
    elif head_seq < state.last_seq:
        row_id = AuditEvent.objects.filter(chain_seq=head_seq + 1).values_list("id", flat=True)
        state.broken(
            row_id.first(),
            Problem.INSERTED,
            f"Rows after chain place {head_seq} were added without moving the chain's head.",
        )
    elif head_hash != (state.last_hash or audit_chain.GENESIS):
        state.broken(
            state.last_row_id,
            Problem.CHANGED,
            f"Row {state.last_row_id}'s hash differs from the chain's head.",
        )


def _check_anchors_seen(state: ChainState, anchors: Mapping[int, str]) -> None:
    """An e-mailed head whose row is gone: the rows up to it were removed or renumbered."""
    if state.problem:
        return
    for row_id in sorted(anchors):
        if (
            row_id <= (state.last_row_id or 0)
            and not AuditEvent.objects.filter(pk=row_id, chain_hash=anchors[row_id]).exists()
        ):
            state.broken(row_id, Problem.MISSING, f"Row {row_id}, known from outside, is missing.")
            return


def check_chain(expect: Mapping[int, str] | None = None) -> AuditChainCheck:
    """Verify the chain and store the result for the audit screen."""
    started = time.monotonic()
    state = verify(expect)
    return AuditChainCheck.objects.create(
        ok=state.ok,
        rows=state.rows,
        last_row_id=state.last_row_id,
        last_seq=state.last_seq,
        last_hash=state.last_hash,
        broken_row_id=state.broken_row_id,
        problem=state.problem,
        detail=state.detail,
        seconds=round(time.monotonic() - started, 3),
    )


def latest_check() -> AuditChainCheck | None:
    return AuditChainCheck.objects.first()


def notify_admins(check: AuditChainCheck) -> int:
    """E-mail the chain's head (row id, hash, count) and state to the active admins: a copy
    outside the database, against which a later rewrite of old rows shows. No personal
    data: ids, a hash and counts only. Returns the number of recipients."""
    recipients = list(
        User.objects.filter(role=Role.ADMIN, is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return 0
    context = {"check": check, "link": settings.PORTAL_BASE_URL + reverse("portal:audit_list")}
    send_mail(
        subject=render_to_string("portal/email/audit_head_subject.txt", context).strip(),
        message=render_to_string("portal/email/audit_head_body.txt", context),
        from_email=None,
        recipient_list=recipients,
    )
    return len(recipients)
