from collections.abc import Iterable

from django.conf import settings
from django.db import connections, models, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import audit_chain


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit log is append-only.")

    _raw_delete = delete

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if not args and not kwargs and connections[self.db].vendor == "postgresql":
            # The usual call (`portal.auditing.record_many`): the head and the rows in one
            # statement. Options such as batch_size or ignore_conflicts keep Django's insert.
            write_chained(objs, using=self.db)
            return objs
        with transaction.atomic(using=self.db, savepoint=False):
            seal(objs, using=self.db)
            return super().bulk_create(objs, *args, **kwargs)


class AuditEvent(models.Model):
    """One row per access or change to sensitive data, per sign-in and per denial.

    Written in the same database transaction as the change it describes, never by a task.
    Append-only: the model refuses updates and deletes; on PostgreSQL a trigger does too.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        EXPORT = "export", _("Exported")
        IMPORT = "import", _("Imported")
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")
        MFA_CHANGE = "mfa_change", _("Changed two-factor authentication")
        PERMISSION_DENIED = "permission_denied", _("Permission denied")
        INVITE = "invite", _("Invited a user")
        PLEDGE_ACCEPTED = "pledge_accepted", _("Accepted the data-protection pledge")

    occurred_at = models.DateTimeField(_("when (UTC)"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=32, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    person_id = models.BigIntegerField(_("person id"), null=True, blank=True, db_index=True)
    site = models.ForeignKey(
        "portal.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # The hash chain (`portal.audit_chain`): place, previous row's hash, this row's hash.
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    chain_previous = models.CharField(max_length=64, blank=True, editable=False)
    chain_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return (
            f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"
        )

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only.")
        using = kwargs.get("using") or "default"
        if connections[using].vendor == "postgresql":
            # The head and the row in one statement (`write_chained`), not Model.save's
            # INSERT; its signals are still sent, so that a receiver sees every audit row.
            pre_save.send(AuditEvent, instance=self, raw=False, using=using, update_fields=None)
            write_chained([self], using=using)
            post_save.send(
                AuditEvent, instance=self, created=True, raw=False, using=using, update_fields=None
            )
            return
        with transaction.atomic(using=using, savepoint=False):
            seal([self], using=using)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit log is append-only.")

    @property
    def listed(self) -> dict[str, int] | None:
        """For a list read (`portal.auditing.record_page_read` / `record_list_read`): how many
        people (or, for an API list, records) it showed, as {"people": n} or {"records": n},
        so that the audit screen says "viewed a list: 50 people" instead of 50 ids."""
        changes = self.changes if isinstance(self.changes, dict) else {}
        for key, kind in (("people", "people"), ("listed", "records")):
            values = changes.get(key)
            if isinstance(values, list) and len(values) == 2 and isinstance(values[1], list):
                return {kind: len(values[1])}
        return None


class AuditChainHead(models.Model):
    """The end of the audit hash chain: one row, locked by every writer of audit rows until
    its transaction ends, so that rows written by many processes form one line.

    Verification also compares it with the last row: rows removed from the end of the log
    leave the head pointing past them.
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=audit_chain.GENESIS)

    HEAD_ID = 1

    def __str__(self) -> str:
        return f"audit chain head: {self.seq}"


def seal(events: Iterable[AuditEvent], using: str = "default") -> None:
    """Give unsaved audit rows their places in the chain and their hashes, and move the head;
    the caller inserts the rows. The path of SQLite and of Django's own bulk_create options
    (PostgreSQL writes with `write_chained`).

    Runs inside the caller's transaction: the head row stays locked until it ends, so a
    concurrent writer waits and then continues from this one's last row. Two queries per
    write (the head, locked; the head, moved), whatever the number of rows. The head is the
    last lock a transaction should take (services lock their rows first and write the audit
    row last), so two transactions never wait on each other in opposite order.
    """
    events = list(events)
    if not events:
        return
    head = _locked_head(using)
    seq, previous = _chain(events, head.seq, head.hash)
    AuditChainHead.objects.using(using).filter(pk=head.pk).update(seq=seq, hash=previous)


# How often a writer on PostgreSQL reads the head and tries to move it before it locks the
# head and waits instead. Correctness does not depend on the number: a bound on the work.
# On PostgreSQL 15 a writer whose UPDATE lost a race still holds the head's row lock
# afterwards (the re-check locks the newest version of the row before evaluating the WHERE
# clause on it; seen with a NOWAIT lock from a third session), so its second try normally
# wins; the third covers a head deleted and created again in between.
OPTIMISTIC_TRIES = 3


def write_chained(events: list[AuditEvent], using: str = "default") -> None:
    """Insert audit rows at the end of the chain on PostgreSQL: two statements per write,
    whatever the number of rows (`seal` and the INSERT take three).

    The head is read without a lock, the rows' hashes are computed from it, and one
    statement moves the head only if it is still the one read and inserts the rows only if
    it moved (`_insert_if_head_unchanged`). The UPDATE in it locks the head row until the
    transaction ends, as `seal`'s SELECT ... FOR UPDATE did: the head is still the last lock
    a transaction takes, and a concurrent writer still waits for this one's commit.

    Why a concurrent writer cannot fork the chain: under READ COMMITTED an UPDATE that finds
    its row updated by a transaction still in progress waits for it; if that transaction
    commits, the WHERE clause is evaluated again on the new version of the row (PostgreSQL
    manual, 13.2.1 "Read Committed Isolation Level": "The search condition of the command
    (the WHERE clause) is re-evaluated to see if the updated version of the row still
    matches the search condition"). The new version carries a higher `seq`, so the
    late writer moves nothing, inserts nothing, reads the head again and retries; the head
    is never moved back to an earlier `seq`. If the other transaction rolls back, the late
    writer's UPDATE goes ahead on the row it read, whose rows are still the chain's end.
    (A transaction at REPEATABLE READ or SERIALIZABLE gets a serialization failure there
    instead, as it did from `seal`'s SELECT ... FOR UPDATE.)
    """
    if not events:
        return
    with transaction.atomic(using=using, savepoint=False):
        for _ in range(OPTIMISTIC_TRIES):
            head = _read_head(using)
            if head is None:
                break  # a new or emptied database: `_locked_head` creates the head
            if _insert_if_head_unchanged(events, *head, using=using):
                return
        # Raced too often (or no head yet): take the lock first, as `seal` does.
        head = _locked_head(using)
        if not _insert_if_head_unchanged(events, head.seq, head.hash, using=using):
            raise RuntimeError("The audit chain's head changed while it was locked.")


def _read_head(using: str) -> tuple[int, str] | None:
    """The head's place and hash, read without a lock: one short statement written here (the
    same query through the ORM cost ten times the Python, on every audited page)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('seq')}, {quote('hash')} FROM {quote(AuditChainHead._meta.db_table)}"  # noqa: S608  # nosec B608
            f" WHERE {quote('id')} = %s",
            [AuditChainHead.HEAD_ID],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row is not None else None


def _chain(events: list[AuditEvent], seq: int, previous: str) -> tuple[int, str]:
    """Number and hash `events` after the row at `seq` with hash `previous`; the new end."""
    ip_field = AuditEvent._meta.get_field("source_ip")
    for event in events:
        # Hash the values as the database will give them back.
        event.source_ip = ip_field.get_prep_value(event.source_ip) or None
        seq += 1
        event.chain_seq, event.chain_previous = seq, previous
        event.chain_hash = audit_chain.digest(audit_chain.content_of(event), seq, previous)
        previous = event.chain_hash
    return seq, previous


def _insert_if_head_unchanged(
    events: list[AuditEvent], head_seq: int, head_hash: str, using: str
) -> bool:
    """Chain `events` after the head (`head_seq`, `head_hash`) and, in one statement, move
    the head and insert them, or do neither if the head is no longer that one. True if
    they were inserted (their ids set, as bulk_create sets them)."""
    connection = connections[using]
    quote = connection.ops.quote_name
    new_seq, new_hash = _chain(events, head_seq, head_hash)
    fields = [field for field in AuditEvent._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    # The first row's values cast to their columns' types: in a VALUES list in FROM a string
    # parameter alone would be text, and PostgreSQL assigns no text to an inet, bigint or
    # timestamp column. The other rows' values take the type of their column in the first
    # row (PostgreSQL manual, 10.5 "UNION, CASE, and Related Constructs": unknown literals
    # are resolved to it, an integer converted implicitly to bigint); casting all of them
    # made 40 rows ~1 ms slower to send and parse.
    first_row = "({})".format(
        ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in fields)
    )
    other_row = "({})".format(", ".join(["%s"] * len(fields)))
    rows = ", ".join([first_row] + [other_row] * (len(events) - 1))
    params: list = [new_seq, new_hash, AuditChainHead.HEAD_ID, head_seq, head_hash]
    for event in events:
        params += [
            field.get_db_prep_save(field.pre_save(event, True), connection) for field in fields
        ]
    head_table = quote(AuditChainHead._meta.db_table)
    # Data-modifying statements in WITH run exactly once, and their rows reach the rest of
    # the statement only through RETURNING (PostgreSQL manual, 7.8.4): no head moved, no
    # row from the CROSS JOIN, nothing inserted.
    # Quoted names from the models; every value a parameter.
    sql = (
        f"WITH moved AS (UPDATE {head_table} SET {quote('seq')} = %s, {quote('hash')} = %s"  # noqa: S608  # nosec B608
        f" WHERE {quote('id')} = %s AND {quote('seq')} = %s AND {quote('hash')} = %s"
        f" RETURNING {quote('id')})"
        f" INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns})"
        f" SELECT chained.* FROM (VALUES {rows}) AS chained ({columns})"
        f" CROSS JOIN moved"
        f" RETURNING {quote('id')}, {quote('chain_seq')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {seq: pk for pk, seq in cursor.fetchall()}
    if not inserted:
        return False
    for event in events:
        # RETURNING's order is not promised for INSERT ... SELECT: matched by place.
        event.pk = inserted[event.chain_seq]
        event._state.adding, event._state.db = False, using
    return True


def _locked_head(using: str) -> AuditChainHead:
    heads = AuditChainHead.objects.using(using).select_for_update()
    head = heads.filter(pk=AuditChainHead.HEAD_ID).first()
    if head is not None:
        return head
    # No head yet (a new or emptied database): start from the last chained row, if any.
    last = (
        AuditEvent.objects.using(using)
        .filter(chain_seq__isnull=False)
        .order_by("-chain_seq")
        .values("chain_seq", "chain_hash")
        .first()
    )
    AuditChainHead.objects.using(using).bulk_create(
        [
            AuditChainHead(
                pk=AuditChainHead.HEAD_ID,
                seq=last["chain_seq"] if last else 0,
                hash=last["chain_hash"] if last else audit_chain.GENESIS,
            )
        ],
        ignore_conflicts=True,  # a concurrent writer created it first: lock theirs
    )
    return heads.get(pk=AuditChainHead.HEAD_ID)


class AuditChainCheck(models.Model):
    """The result of one verification of the whole chain (`portal.audit_integrity.verify`),
    kept so the audit screen can show the chain's state without walking a large log."""

    class Problem(models.TextChoices):
        CHANGED = "changed", _("changed content")
        MISSING = "missing", _("missing row")
        INSERTED = "inserted", _("inserted row")
        REWRITTEN = "rewritten", _("rewritten since an earlier check")

    checked_at = models.DateTimeField(_("checked at"), default=timezone.now, db_index=True)
    ok = models.BooleanField(_("chain intact"))
    rows = models.PositiveBigIntegerField(_("rows verified"), default=0)
    # The last row verified (the head when the chain is intact): its id, place and hash.
    last_row_id = models.BigIntegerField(null=True, blank=True)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    broken_row_id = models.BigIntegerField(_("first broken row"), null=True, blank=True)
    problem = models.CharField(max_length=16, choices=Problem.choices, blank=True)
    # Row ids and places only: never the content of a row.
    detail = models.CharField(max_length=300, blank=True)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("audit chain check")
        verbose_name_plural = _("audit chain checks")

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'broken'}"
