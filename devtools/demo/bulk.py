"""Programme history for demo people, in bulk: training, assistance and safe-home stays.

`seed_demo` calls `seed()` with the people it has just created
(`devtools.demo.people.create`), after `devtools.demo.programs.seed` has made the courses and
assistance types. For each person, as the organisation's figures suggest: one in two takes a
course (a cohort of about 20 people with 20 sessions on weekdays, attendance marked by the
trainer), about five distributions in the months after registration, and one in seven a stay
in a safe home. 100,000 people give about a million attendance rows and half a million
distributions.

Training is run by pool trainers (`trainer.<prefix>.<n>@demo.example`, one site each), added
as the schedule needs them: each runs at most a morning and an afternoon course. The demo
trainer of `seed_demo` keeps only the demo sessions of `devtools.demo.programs`.

Deterministic for a given seed and starting state; rows are written with
`devtools.demo.people`'s `BulkWriter` (COPY on PostgreSQL).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from devtools.demo.people import BulkWriter, SeededPerson, at, encrypted
from people.models import Partner
from portal import services as portal_services
from portal.models import Location, Pledge, PledgeAcceptance, User
from portal.roles import Role
from programs.models import (
    AssistanceType,
    Attendance,
    AttendanceChange,
    Course,
    Distribution,
    Enrolment,
    LivelihoodOutcome,
    SafeHome,
    Stay,
    TrainingSession,
)

TRAINED_SHARE = 0.55
COHORT_SIZES = (16, 24)
SESSIONS_PER_COURSE = 20
DROP_OUT_SHARE = 0.05
ATTENDANCE = [("present", 85), ("absent", 10), ("excused", 5)]
SLOTS = [(time(8, 0), time(11, 0)), (time(14, 0), time(17, 0))]
STAY_SHARE = 0.15
PEOPLE_PER_HOME = 1500
HOME_PLACES = (8, 12)
PARTNERS = ["Clinic partner (demo)", "Legal aid partner (demo)", "Livelihoods partner (demo)"]
# (assistance type name from devtools.demo.programs, weight, quantities)
ASSISTANCE = [
    ("Food basket", 45, (1, 2)),
    ("Hygiene kit", 20, (1, 1)),
    ("Clothing", 8, (1, 3)),
    ("Household items", 5, (1, 1)),
    ("Medical support", 7, (1, 1)),
]
CASH = {"THB": (1000, 3000), "INR": (2000, 6000)}
CASH_SHARE = 0.15
OUTCOMES = [("small_business", 30), ("employed", 35), ("still_looking", 30), ("other", 5)]
INCOME = [("none", 20), ("below_needs", 30), ("basic_needs", 35), ("above_needs", 15)]
BUSINESSES = ["tailoring shop", "motorbike repair", "food stall", "phone repair", "farming"]


@dataclass
class Cohort:
    course_id: int
    location_id: int
    trainer_id: int
    slot: int
    capacity: int
    members: list[int]
    dates: list[date]
    first_session_id: int = 0
    # Members who drop out, and the index of the first session they miss.
    dropped: dict[int, int] = field(default_factory=dict)


def weekdays_from(start: date, count: int) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


@transaction.atomic
def seed(
    people: Sequence[SeededPerson],
    *,
    recorded_by: User,
    password_from: User | None = None,
    seed_value: int = 4,
    writer: BulkWriter | None = None,
) -> dict[str, int]:
    """Training, assistance and stays for `people`. Returns the rows written per model.

    `recorded_by` (a case worker) enrols people and records distributions and stays; pool
    trainers get the password of `password_from` (the demo trainer), if given."""
    writer = writer or BulkWriter()
    rng = random.Random(seed_value * 1_000_003 + len(people))  # noqa: S311 - demo data
    before = dict(writer.rows_written)
    if people:
        _training(writer, rng, people, recorded_by, password_from)
        _assistance(writer, rng, people, recorded_by)
        _stays(writer, rng, people, recorded_by)
    return {
        label: count - before.get(label, 0)
        for label, count in writer.rows_written.items()
        if count - before.get(label, 0)
    }


def pool_trainers() -> list[User]:
    return list(User.objects.filter(email__startswith="trainer.", email__endswith="@demo.example"))


# --- Training --------------------------------------------------------------------------------


class Schedule:
    """Pool trainers of one site, each with two slots (morning, afternoon) and the first day
    each slot is free again; a trainer is added when every slot is taken."""

    def __init__(self, location: Location, password_from: User | None):
        self.location = location
        self.password_from = password_from
        prefix = location.case_prefix.lower()
        self.email_pattern = f"trainer.{prefix}.{{n}}@demo.example"
        trainers = User.objects.filter(
            email__startswith=f"trainer.{prefix}.", email__endswith="@demo.example"
        ).order_by("pk")
        busy = {
            (row["trainer_id"], row["start_time"]): row["last"]
            for row in TrainingSession.objects.filter(trainer__in=trainers)
            .values("trainer_id", "start_time")
            .annotate(last=Max("date"))
            .order_by()
        }
        self.slots: list[list] = []  # [free from, trainer id, slot index]
        self.count = 0
        for trainer in trainers:
            self._add_slots(trainer.pk, busy)

    def _add_slots(self, trainer_id: int, busy: dict | None = None) -> None:
        self.count += 1
        for index, (start, _end) in enumerate(SLOTS):
            last = (busy or {}).get((trainer_id, start))
            free = last + timedelta(days=1) if last else date.min
            self.slots.append([free, trainer_id, index])

    def _new_trainer(self) -> int:
        number = self.count + 1
        email = self.email_pattern.format(n=number)
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={"full_name": f"Demo Trainer {self.location.case_prefix} {number}"},
        )
        if self.password_from is not None:
            user.password = self.password_from.password  # same demo password, hashed once
        else:
            user.set_unusable_password()
        user.save()
        portal_services.set_role(user, Role.TRAINER)
        portal_services.set_sites(user, [self.location])
        pledge = Pledge.current()
        if pledge is not None:
            PledgeAcceptance.objects.get_or_create(user=user, pledge=pledge)
        self._add_slots(user.pk)
        return user.pk

    def book(self, first: date, last: date) -> tuple[int, int]:
        """A (trainer id, slot index) free from `first` on, busy until `last`."""
        for slot in self.slots:
            if slot[0] <= first:
                slot[0] = last + timedelta(days=1)
                return slot[1], slot[2]
        self._new_trainer()
        return self.book(first, last)


def _plan_cohorts(
    rng: random.Random, people: Sequence[SeededPerson], password_from: User | None
) -> list[Cohort]:
    today = timezone.localdate()
    courses = list(Course.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
    if not courses:
        return []
    by_site: dict[int, list[SeededPerson]] = defaultdict(list)
    for person in people:
        if rng.random() < TRAINED_SHARE:
            by_site[person.location_id].append(person)
    locations = Location.objects.in_bulk(list(by_site))
    cohorts = []
    for location_id in sorted(by_site):
        trainees = sorted(by_site[location_id], key=lambda p: (p.registered, p.pk))
        schedule = Schedule(locations[location_id], password_from)
        start = 0
        while start < len(trainees):
            size = rng.randint(*COHORT_SIZES)
            members = trainees[start : start + size]
            start += size
            first_day = members[-1].registered + timedelta(days=rng.randint(7, 30))
            dates = weekdays_from(first_day, SESSIONS_PER_COURSE)
            if dates[0] > today + timedelta(days=30):
                continue  # not planned yet
            trainer_id, slot = schedule.book(dates[0], dates[-1])
            cohort = Cohort(
                course_id=rng.choice(courses),
                location_id=location_id,
                trainer_id=trainer_id,
                slot=slot,
                capacity=len(members) + rng.randint(0, 4),
                members=[p.pk for p in members],
                dates=dates,
            )
            for pk in cohort.members:
                if rng.random() < DROP_OUT_SHARE:
                    cohort.dropped[pk] = rng.randint(3, SESSIONS_PER_COURSE - 1)
            cohorts.append(cohort)
    return cohorts


def _training(
    writer: BulkWriter,
    rng: random.Random,
    people: Sequence[SeededPerson],
    enrolled_by: User,
    password_from: User | None,
) -> None:
    cohorts = _plan_cohorts(rng, people, password_from)
    if not cohorts:
        return
    today = timezone.localdate()
    now = timezone.now()
    session_ids = iter(writer.claim_ids(TrainingSession, len(cohorts) * SESSIONS_PER_COURSE))
    statuses: dict[int, str] = {}  # session id → status
    for cohort in cohorts:
        cohort.first_session_id = next(session_ids)
        for _ in range(SESSIONS_PER_COURSE - 1):
            next(session_ids)
        for index, day in enumerate(cohort.dates):
            status = "planned"
            if day < today:
                status = "cancelled" if rng.random() < 0.02 else "held"
            statuses[cohort.first_session_id + index] = status

    def sessions():
        for cohort in cohorts:
            start, end = SLOTS[cohort.slot]
            created = writer.moment(at(cohort.dates[0] - timedelta(days=14), time(9)))
            for index, day in enumerate(cohort.dates):
                pk = cohort.first_session_id + index
                yield (
                    pk, cohort.course_id, writer.date(day), writer.clock(start),
                    writer.clock(end), cohort.location_id,
                    cohort.trainer_id, cohort.capacity, statuses[pk], enrolled_by.pk, created,
                )  # fmt: skip

    writer.write(
        TrainingSession,
        ["id", "course_id", "date", "start_time", "end_time", "location_id", "trainer_id",
         "capacity", "status", "created_by_id", "created_at"],
        sessions(),
    )  # fmt: skip

    enrolment_count = sum(len(c.members) for c in cohorts) * SESSIONS_PER_COURSE
    enrolment_ids = iter(writer.claim_ids(Enrolment, enrolment_count))
    completed: list[tuple[int, int, date]] = []  # (person, enrolment of the last session, day)

    def enrolments():
        for cohort in cohorts:
            enrolled_at = writer.moment(at(cohort.dates[0] - timedelta(days=7), time(10)))
            last = len(cohort.dates) - 1
            for index, day in enumerate(cohort.dates):
                session_id = cohort.first_session_id + index
                for pk in cohort.members:
                    enrolment_id = next(enrolment_ids)
                    status, completed_on = "enrolled", None
                    if index >= cohort.dropped.get(pk, SESSIONS_PER_COURSE):
                        status = "dropped_out"
                    elif index == last and statuses[session_id] == "held":
                        status, completed_on = "completed", writer.date(day)
                        completed.append((pk, enrolment_id, day))
                    yield (
                        enrolment_id, session_id, pk, status, enrolled_at, enrolled_by.pk,
                        completed_on,
                    )  # fmt: skip

    writer.write(
        Enrolment,
        ["id", "session_id", "person_id", "status", "enrolled_at", "enrolled_by_id",
         "completed_on"],
        enrolments(),
    )  # fmt: skip

    # Attendance and its history (one "marked" change per row), from the same draws.
    marks_rng_seed = rng.randrange(1 << 30)
    values = [value for value, _ in ATTENDANCE]
    weights = [weight for _, weight in ATTENDANCE]

    def marks():
        marks_rng = random.Random(marks_rng_seed)  # noqa: S311 - demo data
        for cohort in cohorts:
            _start, end = SLOTS[cohort.slot]
            for index, day in enumerate(cohort.dates):
                session_id = cohort.first_session_id + index
                if statuses[session_id] != "held":
                    continue
                marked_at = writer.moment(min(at(day, end), now))
                for pk, status in zip(
                    cohort.members,
                    marks_rng.choices(values, weights, k=len(cohort.members)),
                    strict=True,
                ):
                    if index < cohort.dropped.get(pk, SESSIONS_PER_COURSE):
                        yield session_id, pk, status, cohort.trainer_id, marked_at

    writer.write(
        Attendance, ["session_id", "person_id", "status", "marked_by_id", "marked_at"], marks()
    )
    writer.write(
        AttendanceChange,
        ["session_id", "person_id", "old_status", "new_status", "changed_by_id", "changed_at"],
        (
            (session_id, pk, "", status, marked_by, marked_at)
            for session_id, pk, status, marked_by, marked_at in marks()
        ),
    )

    def outcomes():
        for pk, enrolment_id, day in completed:
            if rng.random() >= 0.6:
                continue
            recorded_on = day + timedelta(days=rng.randint(30, 120))
            if recorded_on > today:
                continue
            outcome = rng.choices([v for v, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
            yield (
                pk, enrolment_id, writer.date(recorded_on), outcome,
                encrypted(rng.choice(BUSINESSES)) if outcome == "small_business" else "",
                rng.choices([v for v, _ in INCOME], [w for _, w in INCOME])[0], "",
                enrolled_by.pk, writer.moment(at(recorded_on, time(11))),
            )  # fmt: skip

    writer.write(
        LivelihoodOutcome,
        ["person_id", "enrolment_id", "recorded_on", "outcome", "business_kind", "income_band",
         "notes", "recorded_by_id", "recorded_at"],
        outcomes(),
    )  # fmt: skip


# --- Assistance ------------------------------------------------------------------------------


def _assistance(
    writer: BulkWriter, rng: random.Random, people: Sequence[SeededPerson], recorded_by: User
) -> None:
    types = {t.name: t for t in AssistanceType.objects.filter(active=True)}
    kinds = [
        (types[name].pk, weight, amounts) for name, weight, amounts in ASSISTANCE if name in types
    ]
    cash = {t.currency: t.pk for t in types.values() if t.kind == AssistanceType.Kind.CASH}
    if not kinds:
        return
    partners = [
        Partner.objects.get_or_create(name=name, defaults={"services": []})[0].pk
        for name in PARTNERS
    ]
    delhi = set(Location.objects.filter(kind=Location.Kind.NEW_DELHI).values_list("pk", flat=True))
    ids, weights = [k[0] for k in kinds], [k[1] for k in kinds]
    amounts = {k[0]: k[2] for k in kinds}
    today = timezone.localdate()
    now = timezone.now()

    def distributions():
        for person in people:
            months = (today - person.registered).days // 30 + 1
            currency = "INR" if person.location_id in delhi else "THB"
            for month in range(min(rng.randint(2, 9), months)):
                day = person.registered + timedelta(days=month * 30 + rng.randint(0, 10))
                if day > today:
                    break
                if currency in cash and rng.random() < CASH_SHARE:
                    type_id = cash[currency]
                    quantity = rng.randrange(*CASH[currency], 100)
                else:
                    type_id = rng.choices(ids, weights)[0]
                    quantity = rng.randint(*amounts[type_id])
                recorded_at = min(at(day, time(rng.randint(9, 16), rng.randrange(60))), now)
                confirmed = rng.random() < 0.8
                yield (
                    writer.date(day), person.location_id, type_id, quantity, person.pk,
                    rng.choice(partners) if rng.random() < 0.2 else None, recorded_by.pk,
                    writer.moment(recorded_at), False,
                    writer.moment(recorded_at) if confirmed else None,
                    recorded_by.pk if confirmed else None,
                )  # fmt: skip

    writer.write(
        Distribution,
        ["distributed_on", "location_id", "assistance_type_id", "quantity", "person_id",
         "partner_id", "recorded_by_id", "recorded_at", "repeat_acknowledged",
         "received_confirmed_at", "received_confirmed_by_id"],
        distributions(),
    )  # fmt: skip


# --- Safe homes ------------------------------------------------------------------------------


def _homes(rng: random.Random, people: Sequence[SeededPerson]) -> dict[int, list[list[int]]]:
    """Per site: [home id, places, residents now] for enough homes for the site's people."""
    per_site: dict[int, int] = defaultdict(int)
    for person in people:
        per_site[person.location_id] += 1
    homes: dict[int, list[list[int]]] = {}
    for location in Location.objects.filter(pk__in=list(per_site)).order_by("pk"):
        total = location.people.current().count()
        names = [f"Safe home {n:02d}" for n in range(1, max(1, round(total / PEOPLE_PER_HOME)) + 1)]
        for name in names:
            SafeHome.objects.get_or_create(
                location=location, name=name, defaults={"capacity": rng.randint(*HOME_PLACES)}
            )
        homes[location.pk] = [
            [home.pk, home.capacity, home.open]
            for home in SafeHome.objects.filter(location=location, active=True, name__in=names)
            .annotate(open=Count("stays", filter=Q(stays__check_out__isnull=True)))
            .order_by("name")
        ]
    return homes


def _stays(
    writer: BulkWriter, rng: random.Random, people: Sequence[SeededPerson], recorded_by: User
) -> None:
    homes = _homes(rng, people)
    today = timezone.localdate()

    def stays():
        for person in sorted(people, key=lambda p: (p.registered, p.pk)):
            if rng.random() >= STAY_SHARE or not homes.get(person.location_id):
                continue
            home = rng.choice(homes[person.location_id])
            check_in = min(person.registered + timedelta(days=rng.randint(0, 7)), today)
            check_out = check_in + timedelta(days=rng.randint(14, 180))
            if check_out > today:
                if home[2] < home[1]:
                    home[2] += 1
                    check_out = None
                else:
                    check_out = today  # the home is full: moved on today
            yield (
                person.pk, home[0], writer.date(check_in), writer.date(check_out), "",
                recorded_by.pk, recorded_by.pk if check_out else None,
            )  # fmt: skip

    writer.write(
        Stay,
        ["person_id", "home_id", "check_in", "check_out", "over_capacity_reason",
         "checked_in_by_id", "checked_out_by_id"],
        stays(),
    )  # fmt: skip
