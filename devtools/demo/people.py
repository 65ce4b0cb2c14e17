"""Deterministic demo people for `seed_demo`, fast enough for large data sets (benchmarks).

`create()` adds people with their exits, case notes, follow-ups and flags. Rows are built as
tuples and written in bulk: with COPY on PostgreSQL (100,000 people in a few seconds) and with
`executemany` elsewhere. Primary keys are claimed up front, so that related rows can point at
their person without reading anything back. The same seed and the same starting state give
the same rows.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache

from django.db import connection, models, transaction
from django.utils import timezone

from people import burmese, choices, matching
from people.keys import phone_search_hash
from people.models import RECORD_KEY_RANGE, CaseNote, Exit, Flag, FollowUp, Person
from people.services import reserve_case_numbers
from portal import crypto
from portal.models import Location, User

SYLLABLES = [
    ("Kyaw", "ကျော်"), ("Min", "မင်း"), ("Oo", "ဦး"), ("Thet", "သက်"), ("Naing", "နိုင်"),
    ("Hla", "လှ"), ("Win", "ဝင်း"), ("Zaw", "ဇော်"), ("Lin", "လင်း"), ("Htet", "ထက်"),
    ("Aung", "အောင်"), ("Myo", "မျိုး"), ("Soe", "စိုး"), ("Tun", "ထွန်း"), ("Phyo", "ဖြိုး"),
    ("Wai", "ဝေ"), ("Yan", "ရန်"), ("Thura", "သူရ"), ("Nyein", "ငြိမ်း"), ("Khin", "ခင်"),
]  # fmt: skip
# Shares close to the organisation's published figures: mostly soldiers, most defected or
# taken prisoner, about 80 % new recruits.
EXIT_TYPES = [("defected", 40), ("surrendered", 6), ("pow", 54)]
AFFILIATIONS = [("soldier", 90), ("police", 3), ("militia", 7)]
RECRUIT = [("new_recruit", 80), ("veteran", 15), ("unknown", 5)]
VERIFICATION = [
    ("documented", 60),
    ("self_reported", 20),
    ("partner_verified", 15),
    ("documents_verified", 5),
]
REGIONS = [value for value, _ in choices.Region.choices]
SITE_WEIGHTS = {"MAE-SOT": 6, "MAE-SARIANG": 3, "NEW-DELHI": 1}
FIRST_EXIT = date(2023, 10, 27)
RANKS = ["Private", "Corporal", "Sergeant", "Lance Corporal"]
NOTE_TEXTS = [
    "Intake interview done.",
    "Follow-up call: settling in, asked about work permits.",
    "Visited at the safe home; needs a medical check.",
    "Referred to the clinic for a check-up.",
    "Family in Myanmar contacted through a relative.",
    "Asked about vocational training; interested in motorbike repair.",
    "Feels safe; no new concerns.",
    "Documents copied and returned.",
]
FOLLOW_UP_TEXTS = ["Call to check on health", "Check documents", "Visit at home", "Training?"]
STATUSES = [("active", 60), ("resettled", 15), ("closed", 10)]
RECENT_DAYS = 45  # people registered this recently are still at intake


# --- Writing rows in bulk --------------------------------------------------------------------


class BulkWriter:
    """Claims primary keys and writes rows: COPY on PostgreSQL, executemany elsewhere.

    Use inside a transaction. Values are Python values (dates, aware datetimes, booleans,
    strings; JSON as its text); `date()` and `moment()` adapt them for the database."""

    CHUNK = 20_000

    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.rows_written: dict[str, int] = defaultdict(int)
        self._loading = False
        self._dropped: dict[str, list[tuple[str, str]]] = {}

    @contextmanager
    def loading(self) -> Iterator[BulkWriter]:
        """A large load: on PostgreSQL, the foreign keys of the tables written are dropped at
        their first write and added again at the end of the block, which checks every row in
        one join per key instead of one lookup per row and key at commit (the advice of
        PostgreSQL's "Populating a Database"). Use inside the transaction of the load: if
        anything fails, the rollback restores the keys too. The tables stay locked until
        the commit."""
        self._loading = True
        try:
            yield self
        finally:
            self._loading = False
        self._restore_foreign_keys()

    def _relax_foreign_keys(self, table: str) -> None:
        if not (self._loading and self.postgres) or table in self._dropped:
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [table],
            )
            keys = cursor.fetchall()
            quoted = connection.ops.quote_name(table)
            # Rows written earlier in the transaction are checked now (a table with pending
            # checks cannot be altered); Django's keys are deferred again right after.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, _definition in keys:
                cursor.execute(
                    f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self._dropped[table] = keys

    def _restore_foreign_keys(self) -> None:
        dropped, self._dropped = self._dropped, {}
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, keys in dropped.items():
                if keys:
                    clauses = ", ".join(
                        f"ADD CONSTRAINT {quote(name)} {definition}" for name, definition in keys
                    )
                    cursor.execute(f"ALTER TABLE {quote(table)} {clauses}")

    def date(self, value: date | None):
        return value if self.postgres or value is None else value.isoformat()

    def clock(self, value: time | None):
        return value if self.postgres or value is None else value.isoformat()

    def moment(self, value: datetime | None):
        if self.postgres or value is None:
            return value
        return connection.ops.adapt_datetimefield_value(value)

    def claim_ids(self, model: type[models.Model], count: int) -> range:
        """`count` consecutive free primary keys of `model` (others wait until commit)."""
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            if self.postgres:
                # Concurrent inserts wait for the lock before they draw from the sequence,
                # so the block below is ours alone.
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                sequence = cursor.fetchone()[0]
                cursor.execute("SELECT nextval(%s)", [sequence])
                first = cursor.fetchone()[0]
                if count > 1:
                    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
                return range(first, first + count)
        # SQLite: writes are serialised, nobody else inserts until the commit.
        first = (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1
        return range(first, first + count)

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]
    ) -> int:
        """Insert `rows` (tuples in the order of `columns`, which are column names)."""
        quote = connection.ops.quote_name
        self._relax_foreign_keys(model._meta.db_table)
        table = quote(model._meta.db_table)
        names = ", ".join(quote(column) for column in columns)
        written = 0
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        written += 1
            else:
                places = ", ".join(["%s"] * len(columns))
                # Table and column names come from the model's metadata, quoted.
                sql = f"INSERT INTO {table} ({names}) VALUES ({places})"  # noqa: S608 # nosec B608
                chunk: list[Sequence] = []
                for row in rows:
                    chunk.append(row)
                    if len(chunk) == self.CHUNK:
                        cursor.executemany(sql, chunk)
                        written += len(chunk)
                        chunk = []
                if chunk:
                    cursor.executemany(sql, chunk)
                    written += len(chunk)
        self.rows_written[model._meta.label] += written
        return written

    def analyze(self) -> None:
        """Fresh planner statistics after a large load, and (outside a transaction) the
        visibility map and hint bits set once rather than by the first readers: PostgreSQL's
        autovacuum would get there minutes later."""
        if self.postgres:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")


def at(day: date, clock: time) -> datetime:
    """An aware datetime on `day` at `clock`, local time."""
    return datetime.combine(day, clock, tzinfo=timezone.get_current_timezone())


@cache
def _encrypted(text: str) -> str:
    """The ciphertext of an EncryptedTextField column, for rows written without the ORM.
    One ciphertext per demo sentence: encrypting each of a million rows would take minutes."""
    return crypto.encrypt(text)


def encrypted(text: str) -> str:
    return _encrypted(text) if text else ""


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


@cache
def _name_parts(indexes: tuple[int, ...]) -> tuple[str, ...]:
    parts = [SYLLABLES[i] for i in indexes]
    full_name = " ".join(p[0] for p in parts)
    name_my = "".join(p[1] for p in parts)
    return (
        full_name,
        parts[0][0],
        name_my,
        burmese.name_key(full_name),
        burmese.name_my_key(name_my),
        matching.match_key(full_name),
        matching.match_key(name_my),
    )


def _name(rng: random.Random) -> tuple[str, ...]:
    """(full name, preferred name, Burmese name, name key, Burmese name key, matching keys
    of both names)."""
    indexes = tuple(rng.sample(range(len(SYLLABLES)), rng.choice([2, 3])))
    return _name_parts(indexes)


# --- People ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeededPerson:
    """What the programme demo data needs to know of a person created here."""

    pk: int
    location_id: int
    registered: date
    status: str


def seed(count: int, *, created_by: User | None, seed_value: int = 1027, notes: bool = True) -> int:
    """Create `count` people with exits (deterministic for a given seed). Returns the count."""
    return len(create(count, created_by=created_by, seed_value=seed_value, notes=notes))


@transaction.atomic
def create(
    count: int,
    *,
    created_by: User | None,
    seed_value: int = 1027,
    notes: bool = True,
    writer: BulkWriter | None = None,
) -> list[SeededPerson]:
    """Create `count` people registered since 27 October 2023, each with an exit, and (with
    `notes` and an author) case notes, follow-ups and flags."""
    if count <= 0:
        return []
    writer = writer or BulkWriter()
    rng = random.Random(seed_value)  # noqa: S311 - demo data, not security
    # Record keys and verification from a stream of their own, so that adding them left the
    # rest of the demo data as it was for a given seed.
    extra_rng = random.Random(seed_value + 1)  # noqa: S311 - demo data, not security
    sites = {site.code: site for site in Location.objects.filter(code__in=SITE_WEIGHTS)}
    codes = [code for code in SITE_WEIGHTS if code in sites]
    if not codes:
        return []
    weights = [SITE_WEIGHTS[code] for code in codes]
    now = timezone.now()
    today = timezone.localdate()
    span = max((today - FIRST_EXIT).days, 1)

    # Who, where and when: registered a few days after leaving, case numbers by site and year
    # in order of registration.
    drafts = []
    for _ in range(count):
        code = rng.choices(codes, weights)[0]
        exit_date = FIRST_EXIT + timedelta(days=rng.randrange(span))
        registered = min(exit_date + timedelta(days=rng.randrange(21)), today)
        clock = time(rng.randrange(8, 17), rng.randrange(60), rng.randrange(60))
        drafts.append((sites[code], exit_date, registered, min(at(registered, clock), now)))
    order = sorted(range(count), key=lambda i: (drafts[i][3], i))
    wanted: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i in order:
        location, _exit, registered, _at = drafts[i]
        wanted[(location.pk, registered.year)].append(i)
    numbers: dict[int, str] = {}
    by_pk = {site.pk: site for site in sites.values()}
    for (location_id, year), indexes in wanted.items():
        claimed = reserve_case_numbers(by_pk[location_id], year, len(indexes))
        numbers.update(zip(indexes, claimed, strict=True))

    ids = writer.claim_ids(Person, count)
    case_worker_id = created_by.pk if created_by else None
    created_by_id = created_by.pk if created_by else None
    seeded: list[SeededPerson] = []
    person_rows = []
    for position, i in enumerate(order):
        location, exit_date, registered, registered_at = drafts[i]
        full_name, preferred, name_my, name_key, name_my_key, match_key, match_my_key = _name(rng)
        status = "intake" if (today - registered).days < RECENT_DAYS else _pick(rng, STATUSES)
        phone = ""
        if rng.random() < 0.2:  # a Thai or an Indian mobile number
            country = "+91" if location.code == "NEW-DELHI" else "+66"
            phone = f"{country}{rng.randrange(800000000, 999999999)}"
        pk = ids[position]
        seeded.append(SeededPerson(pk, location.pk, registered, status))
        person_rows.append(
            (
                pk, numbers[i], full_name, preferred, name_my, name_key, name_my_key,
                rng.choices(["male", "female"], [95, 5])[0], rng.randint(1975, 2006),
                rng.random() < 0.3, rng.choice(REGIONS), location.pk, status,
                case_worker_id if location.code == "MAE-SOT" and rng.random() < 0.7 else None,
                crypto.encrypt(phone) if phone else "", phone_search_hash(phone), rng.randint(0, 4),
                "[]", writer.date(registered), True, rng.random() < 0.7, rng.random() < 0.3,
                None, "", writer.moment(registered_at), created_by_id,
                writer.moment(registered_at), 1, None, None,
                extra_rng.randrange(RECORD_KEY_RANGE), match_key, match_my_key, exit_date,
            )
        )  # fmt: skip
    writer.write(
        Person,
        [
            "id", "case_number", "full_name", "preferred_name", "name_my", "name_key",
            "name_my_key", "sex", "birth_year", "birth_year_estimated", "origin_region",
            "location_id", "status", "case_worker_id", "phone", "phone_hash", "dependants",
            "vulnerabilities", "consent_date", "consent_storing", "consent_sharing",
            "consent_photos", "consent_withdrawn_on", "consent_notes", "created_at",
            "created_by_id", "updated_at", "version", "merged_into_id", "anonymised_at",
            "record_key", "match_key", "match_my_key",
        ],
        (row[:-1] for row in person_rows),
    )  # fmt: skip

    exit_ids = iter(writer.claim_ids(Exit, count))

    def exits():
        for row in person_rows:
            exit_type = _pick(rng, EXIT_TYPES)
            yield (
                next(exit_ids), row[0], exit_type, _pick(rng, AFFILIATIONS),
                writer.date(row[-1]), "", rng.choice(REGIONS), "", _pick(rng, RECRUIT),
                rng.choice(["yes", "no", "unknown"]), None, _encrypted(rng.choice(RANKS)), "", "[]",
                "in_custody" if exit_type == "pow" else "", _pick(extra_rng, VERIFICATION),
            )  # fmt: skip

    writer.write(
        Exit,
        [
            "id", "person_id", "exit_type", "affiliation", "exit_date", "place_township",
            "place_region", "receiving_group", "recruit_status", "forcibly_conscripted",
            "years_of_service", "rank", "unit", "reasons", "custody_status", "verification",
        ],
        exits(),
    )  # fmt: skip
    if notes and created_by is not None:
        _case_parts(writer, rng, seeded, created_by, now)
    return seeded


def _case_parts(
    writer: BulkWriter, rng: random.Random, people: list[SeededPerson], author: User, now
) -> None:
    """About two case notes per person, a follow-up for one in ten, a flag for one in fifty."""
    today = timezone.localdate()

    def later(person: SeededPerson, most: int) -> date:
        return min(person.registered + timedelta(days=rng.randrange(most)), today)

    def moment(day: date) -> datetime:
        return min(at(day, time(rng.randrange(8, 18), rng.randrange(60))), now)

    def notes():
        for person in people:
            for number in range(rng.choice([1, 1, 2, 2, 2, 3, 4])):
                text = NOTE_TEXTS[0] if number == 0 else rng.choice(NOTE_TEXTS[1:])
                written = moment(person.registered if number == 0 else later(person, 400))
                yield author.pk, person.pk, writer.moment(written), None, _encrypted(text)

    writer.write(CaseNote, ["author_id", "person_id", "created_at", "edited_at", "text"], notes())

    def follow_ups():
        for person in people:
            if rng.random() >= 0.1:
                continue
            due = person.registered + timedelta(days=rng.randrange(7, 60))
            done = due < today and rng.random() < 0.8
            yield (
                person.pk, writer.date(due), author.pk, _encrypted(rng.choice(FOLLOW_UP_TEXTS)),
                writer.moment(moment(due)) if done else None, author.pk if done else None,
                author.pk, writer.moment(moment(person.registered)),
            )  # fmt: skip

    writer.write(
        FollowUp,
        ["person_id", "due_on", "assignee_id", "description", "done_at", "done_by_id",
         "created_by_id", "created_at"],
        follow_ups(),
    )  # fmt: skip

    reasons = [value for value, _ in choices.FlagReason.choices]

    def flags():
        for person in people:
            if rng.random() >= 0.02:
                continue
            raised = moment(later(person, 200))
            resolved = rng.random() < 0.5 and raised.date() < today
            yield (
                person.pk, rng.choice(reasons), "", author.pk, writer.moment(raised),
                author.pk if resolved else None, writer.moment(raised) if resolved else None,
                _encrypted("Checked.") if resolved else "",
            )  # fmt: skip

    writer.write(
        Flag,
        ["person_id", "reason", "note", "raised_by_id", "raised_at", "resolved_by_id",
         "resolved_at", "resolution_note"],
        flags(),
    )  # fmt: skip
