"""Reads for training, assistance and safe homes; every queryset goes through `visible_to`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.utils import timezone

from people import burmese
from people.models import Person
from portal.models import Location, User
from portal.roles import Role
from portal.scoping import get_object_for_user, only_writable, visible_to, writable_flag
from portal.selectors import staff_for
from portal.timezones import by_site_day, zones_in_use
from programs.models import (
    AssistanceType,
    AttendanceChange,
    Course,
    Distribution,
    Enrolment,
    LivelihoodOutcome,
    SafeHome,
    Stay,
    TrainingSession,
)

PAST_SESSIONS_SHOWN = 30
OFFLINE_DAYS_AHEAD = 7
PEOPLE_OFFERED = 50
RECENT_ASSISTANCE_DAYS = 30

T = TypeVar("T")


def bounded(queryset: QuerySet[T], limit: int) -> tuple[list[T], bool]:
    """The first `limit` rows of `queryset` and whether it has more: one query for
    `limit + 1` rows, so that knowing there are more needs no count."""
    found = list(queryset[: limit + 1])
    return found[:limit], len(found) > limit


# --- Reference data ---------------------------------------------------------------------------


def active_locations_for(user: User) -> QuerySet[Location]:
    """The open sites the user may see: where sessions, distributions and stays can be
    recorded (`portal.selectors.locations_for` includes closed sites)."""
    return visible_to(user, Location.objects.filter(active=True))


def courses_for(user: User) -> QuerySet[Course]:
    return visible_to(user, Course.objects.filter(active=True))


def assistance_types_for(user: User) -> QuerySet[AssistanceType]:
    return visible_to(user, AssistanceType.objects.filter(active=True))


def trainers_for(user: User) -> QuerySet[User]:
    """Active trainers assigned (today) to a site the user may see."""
    return staff_for(user, roles=(Role.TRAINER,))


# --- Training ---------------------------------------------------------------------------------


def sessions_for(user: User) -> QuerySet[TrainingSession]:
    """The sessions the user may see, with their course, site, trainer and places taken."""
    return visible_to(
        user, TrainingSession.objects.select_related("course", "location", "trainer")
    ).with_places_taken()


def get_session(user: User, pk: int) -> TrainingSession:
    return get_object_for_user(user, sessions_for(user), pk=pk)


@dataclass
class MySessions:
    today: list[TrainingSession]
    upcoming: list[TrainingSession]
    past: list[TrainingSession]


def my_sessions(user: User) -> MySessions:
    """The trainer's sessions: today's first, then upcoming, then the most recent past ones.
    "Today" is each session's own site's (a trainer may work at sites in several zones)."""
    mine = sessions_for(user).filter(trainer=user)
    zones = zones_in_use()
    coming = list(
        mine.filter(by_site_day(lambda today: Q(date__gte=today), zones=zones)).order_by(
            "date", "start_time", "id"
        )
    )
    past = list(
        mine.filter(by_site_day(lambda today: Q(date__lt=today), zones=zones)).order_by(
            "-date", "-start_time"
        )[:PAST_SESSIONS_SHOWN]
    )
    return MySessions(
        today=[s for s in coming if s.date == s.site_today],
        upcoming=[s for s in coming if s.date > s.site_today],
        past=past,
    )


def sessions_for_trainer_home(user: User, days: int = 14) -> list[TrainingSession]:
    """Today's and upcoming sessions (next `days` days at each session's site) of the
    trainer, for the home page."""
    return list(
        sessions_for(user)
        .filter(trainer=user)
        .filter(by_site_day(lambda today: Q(date__range=(today, today + timedelta(days=days)))))
        .order_by("date", "start_time", "id")
    )


def session_list(
    user: User, *, past: bool = False, course: int | None = None, location: int | None = None
) -> QuerySet[TrainingSession]:
    """Upcoming (or past) sessions, judged by the day at each session's own site."""
    sessions = sessions_for(user)
    if past:
        sessions = sessions.filter(by_site_day(lambda today: Q(date__lt=today))).order_by(
            "-date", "-start_time"
        )
    else:
        sessions = sessions.filter(by_site_day(lambda today: Q(date__gte=today))).order_by(
            "date", "start_time"
        )
    if course:
        sessions = sessions.filter(course_id=course)
    if location:
        sessions = sessions.filter(location_id=location)
    return sessions


def participant_label(through: str = "person__"):
    """How a programme list names a person: the preferred name, or the case number when there
    is none; never the full name (the roster's and the API's rule)."""
    return Case(
        When(**{f"{through}preferred_name": ""}, then=F(f"{through}case_number")),
        default=F(f"{through}preferred_name"),
        output_field=CharField(),
    )


def _named_for(user: User, queryset: QuerySet[T]) -> QuerySet[T]:
    """Rows about people with `case_number`, `writable` (the user may change the row: the
    person is at one of their sites, `portal.scoping`) and `person_label`: the person's usual
    name where the user works with them, the preferred name (or case number) only on the
    history a site keeps of someone transferred away; the case number only for a restricted
    person. No other field of the person is read."""
    writable = writable_flag(user, queryset.model)
    usual_name = Case(
        When(person__preferred_name="", then=F("person__full_name")),
        default=F("person__preferred_name"),
        output_field=CharField(),
    )
    return queryset.annotate(
        case_number=F("person__case_number"),
        writable=writable,
        # A restricted person is named by case number only, everywhere (issue 20).
        restricted=F("person__restricted"),
        person_label=Case(
            When(person__restricted=True, then=F("person__case_number")),
            When(writable, then=usual_name),
            default=participant_label(),
            output_field=CharField(),
        ),
    )


def session_enrolments(user: User, session: TrainingSession) -> QuerySet[Enrolment]:
    """Everyone enrolled in the session (case workers and admins), with their attendance; a
    person transferred to a site that is not the user's shows as history (`_named_for`)."""
    return (
        _named_for(user, visible_to(user, Enrolment.objects.filter(session=session)))
        .with_attendance_status()
        .order_by("status", "person__case_number")
    )


@dataclass(frozen=True)
class RosterRow:
    """What a trainer sees of a participant: the case number and preferred name only."""

    person_id: int
    case_number: str
    label: str
    status: str


@dataclass
class Rosters:
    """The rosters of several sessions, and the enrolments they list (for the audit row)."""

    by_session: dict[int, list[RosterRow]]
    enrolment_ids: list[int]


def rosters(user: User, session_ids: Sequence[int]) -> Rosters:
    """The roster of each session: participants who hold a place, in case-number order, with
    their attendance. One query (none without sessions); no other personal field is read
    from the database."""
    # Someone transferred to a site that is not the user's is no longer marked here: the
    # session's attendance history keeps what was recorded for them.
    rows = (
        only_writable(
            user,
            visible_to(user, Enrolment.objects.filter(session__in=session_ids).holding_places()),
        )
        .with_attendance_status()
        .order_by("person__case_number")
        .values_list(
            "pk", "session_id", "person_id", "person__case_number", "person__preferred_name",
            "person__restricted", "attendance_status",
        )
    )  # fmt: skip
    found = Rosters({pk: [] for pk in session_ids}, enrolment_ids=[])
    for pk, session_id, person_id, case_number, preferred, restricted, status in rows:
        found.enrolment_ids.append(pk)
        # A restricted person is on every roster by case number only (issue 20).
        label = case_number if restricted else (preferred or case_number)
        found.by_session[session_id].append(RosterRow(person_id, case_number, label, status or ""))
    return found


def roster(user: User, session: TrainingSession) -> list[RosterRow]:
    """The session's roster (see `rosters`), for the roster page."""
    return rosters(user, [session.pk]).by_session[session.pk]


@dataclass
class OfflineSession:
    """One of the trainer's sessions as their phone keeps it (docs/offline-attendance-api.md)."""

    session: TrainingSession
    can_mark: bool
    roster: list[RosterRow]


@dataclass
class OfflineSessions:
    sessions: list[OfflineSession]
    enrolment_ids: list[int]


def offline_sessions(user: User) -> OfflineSessions:
    """The trainer's own sessions from today to `OFFLINE_DAYS_AHEAD` days ahead, and
    yesterday's while they can still be corrected, each with its roster, for marking
    attendance without a connection. Two queries, whatever the number of sessions."""
    window = by_site_day(
        lambda today: Q(
            date__range=(today - timedelta(days=1), today + timedelta(days=OFFLINE_DAYS_AHEAD))
        )
    )
    sessions = [
        session
        for session in sessions_for(user)
        .filter(window, trainer=user)
        .order_by("date", "start_time", "id")
        # Yesterday's (at its site) only while it can still be corrected (not cancelled).
        if session.date >= session.site_today or session.attendance_open_for(user)
    ]
    found = rosters(user, [session.pk for session in sessions])
    return OfflineSessions(
        [
            OfflineSession(session, session.attendance_open_for(user), found.by_session[session.pk])
            for session in sessions
        ],
        enrolment_ids=found.enrolment_ids,
    )


def attendance_history(user: User, session: TrainingSession) -> QuerySet[AttendanceChange]:
    return (
        visible_to(user, AttendanceChange.objects.filter(session=session))
        .select_related("changed_by")
        .annotate(
            case_number=Subquery(
                Person.objects.filter(pk=OuterRef("person_id")).values("case_number")[:1]
            )
        )
    )


def _usable_people(user: User) -> QuerySet[Person]:
    return (
        visible_to(user, Person.objects.current()).exclude(status="closed").order_by("case_number")
    )


def matching(people: QuerySet[Person], query: str) -> QuerySet[Person]:
    """People whose case number or a name (Latin or Burmese) contains the typed text."""
    query = (query or "").strip()
    if not query:
        return people
    latin_key, burmese_key = burmese.search_keys(query)
    condition = Q(case_number__icontains=query) | Q(preferred_name__icontains=query)
    if latin_key:
        condition |= Q(name_key__contains=latin_key)
    if burmese_key:
        condition |= Q(name_my_key__contains=burmese_key)
    return people.filter(condition)


def people_to_enrol(user: User, session: TrainingSession, query: str = "") -> QuerySet[Person]:
    """People of the session's site the user may see who do not hold a place in it yet."""
    holding = Enrolment.objects.filter(session=session).holding_places().values("person_id")
    people = _usable_people(user).filter(location_id=session.location_id).exclude(pk__in=holding)
    return matching(people, query)


def people_at(user: User, location: Location, query: str = "") -> QuerySet[Person]:
    return matching(_usable_people(user).filter(location=location), query)


@dataclass
class PeopleOffered:
    """The people offered as checkboxes by a form: at most `limit`, and whether more match."""

    people: list[Person]
    more: bool
    limit: int


def offered(people: QuerySet[Person], limit: int = PEOPLE_OFFERED) -> PeopleOffered:
    """Up to `limit` of `people`, the most recently registered first: read in the order of
    the people list's index, the query stops at the `limit + 1`th match instead of sorting
    every match of the site (tens of thousands)."""
    shown, more = bounded(people.order_by("-created_at", "-id"), limit)
    return PeopleOffered(shown, more=more, limit=limit)


def enrol_candidates(user: User, session: TrainingSession, query: str = "") -> PeopleOffered:
    """The people offered on the enrol page (`people_to_enrol` checks what is posted)."""
    return offered(people_to_enrol(user, session, query))


def recipients_offered(user: User, location: Location, query: str = "") -> PeopleOffered:
    """The people offered on the bulk distribution page (`people_at` checks what is posted)."""
    return offered(people_at(user, location, query))


def sessions_to_enrol(user: User, person: Person) -> QuerySet[TrainingSession]:
    """Upcoming sessions at the person's site that the person may join (from the person
    page): planned, from today on, not ones they hold a place in; with places taken. The
    enrolment rules themselves (capacity, duplicates, site) are `services.enrol`'s."""
    held = Enrolment.objects.filter(person=person).holding_places().values("session_id")
    return (
        sessions_for(user)
        .filter(
            location_id=person.location_id,
            date__gte=timezone.localdate(),
            status=TrainingSession.Status.PLANNED,
        )
        .exclude(pk__in=held)
        .order_by("date", "start_time", "id")
    )


def enrolments_of(user: User, person: Person) -> QuerySet[Enrolment]:
    return visible_to(user, Enrolment.objects.filter(person=person)).select_related(
        "session__course"
    )


def get_enrolment(user: User, pk: int) -> Enrolment:
    return get_object_for_user(user, Enrolment.objects.select_related("session", "person"), pk=pk)


# --- Material assistance ----------------------------------------------------------------------


def recent_period() -> tuple[date, date]:
    """The assistance list's period when none is chosen: the last 30 days, today included.
    Its summary counts distinct people per type over every distribution of the period: over
    all time that grows with the history (220 ms of SQL for a site's 300,000 distributions),
    over 30 days it stays about 10 ms. 30 days rather than this month keep last month's
    receipts still to be confirmed in view on the 1st."""
    today = timezone.localdate()
    return today - timedelta(days=RECENT_ASSISTANCE_DAYS - 1), today


def distributions_for(
    user: User,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    location: int | None = None,
    assistance_type: int | None = None,
) -> QuerySet[Distribution]:
    distributions = visible_to(user, Distribution.objects.all())
    if date_from:
        distributions = distributions.filter(distributed_on__gte=date_from)
    if date_to:
        distributions = distributions.filter(distributed_on__lte=date_to)
    if location:
        distributions = distributions.filter(location_id=location)
    if assistance_type:
        distributions = distributions.filter(assistance_type_id=assistance_type)
    return distributions


def distribution_rows(user: User, distributions: QuerySet[Distribution]) -> QuerySet[Distribution]:
    """The list's rows: case number and whether the user may still confirm the receipt (not
    for someone transferred to a site that is not theirs); no other field of the person."""
    return (
        distributions.select_related("assistance_type", "partner", "location", "recorded_by")
        .annotate(
            case_number=F("person__case_number"),
            writable=writable_flag(user, Distribution),
        )
        .order_by("-distributed_on", "-id")
    )


def assistance_summary(distributions: QuerySet[Distribution]) -> list[dict]:
    """Per type: distributions, distinct people, total quantity and confirmed receipts."""
    return list(
        distributions.order_by()
        .values(
            "assistance_type__name",
            "assistance_type__name_my",
            "assistance_type__unit",
            "assistance_type__currency",
            "assistance_type__kind",
        )
        .annotate(
            distributions=Count("id"),
            people=Count("person", distinct=True),
            quantity=Sum("quantity"),
            confirmed=Count("id", filter=Q(received_confirmed_at__isnull=False)),
        )
        .order_by("assistance_type__name")
    )


def get_distribution(user: User, pk: int) -> Distribution:
    return get_object_for_user(user, Distribution.objects.all(), pk=pk)


def get_person(user: User, pk: int) -> Person:
    return get_object_for_user(user, Person.objects.select_related("location"), pk=pk)


# --- Safe homes -------------------------------------------------------------------------------


@dataclass
class HomeOccupancy:
    home: SafeHome
    residents: list[Stay]

    @property
    def occupied(self) -> int:
        return len(self.residents)

    @property
    def free(self) -> int:
        return max(self.home.capacity - self.occupied, 0)

    @property
    def over_capacity(self) -> bool:
        return self.occupied > self.home.capacity


@dataclass
class SiteOccupancy:
    location: Location
    homes: list[HomeOccupancy] = field(default_factory=list)

    @property
    def capacity(self) -> int:
        return sum(h.home.capacity for h in self.homes)

    @property
    def occupied(self) -> int:
        return sum(h.occupied for h in self.homes)

    @property
    def free(self) -> int:
        return sum(h.free for h in self.homes)


def _open_stays(user: User) -> Prefetch:
    return Prefetch(
        "stays",
        queryset=_named_for(user, Stay.objects.filter(check_out__isnull=True)).order_by(
            "check_in", "id"
        ),
        to_attr="open_stays",
    )


def occupancy(user: User) -> list[SiteOccupancy]:
    """Per site: its active homes, places, current residents and free places. Two queries."""
    homes = (
        visible_to(user, SafeHome.objects.filter(active=True))
        .select_related("location")
        .prefetch_related(_open_stays(user))
        .order_by("location__name", "name")
    )
    sites: dict[int, SiteOccupancy] = {}
    for home in homes:
        site = sites.setdefault(home.location_id, SiteOccupancy(home.location))
        site.homes.append(HomeOccupancy(home, home.open_stays))
    return list(sites.values())


def homes_for(user: User) -> QuerySet[SafeHome]:
    return visible_to(user, SafeHome.objects.filter(active=True)).select_related("location")


def get_home(user: User, pk: int) -> HomeOccupancy:
    home = get_object_for_user(
        user,
        SafeHome.objects.select_related("location").prefetch_related(_open_stays(user)),
        pk=pk,
    )
    return HomeOccupancy(home, home.open_stays)


def past_stays(user: User, home: SafeHome, limit: int = 50) -> QuerySet[Stay]:
    return _named_for(
        user, visible_to(user, Stay.objects.filter(home=home, check_out__isnull=False))
    ).order_by("-check_out", "-id")[:limit]


def get_stay(user: User, pk: int) -> Stay:
    return get_object_for_user(user, Stay.objects.select_related("home", "person"), pk=pk)


def people_to_check_in(user: User) -> QuerySet[Person]:
    """People the user may see who are not living in a safe home now."""
    living = Stay.objects.filter(check_out__isnull=True).values("person_id")
    return _usable_people(user).exclude(pk__in=living)


# --- One person's programmes (for the person page) --------------------------------------------


@dataclass
class PersonPrograms:
    enrolments: list[Enrolment]
    distributions: list[Distribution]
    stays: list[Stay]
    outcomes: list[LivelihoodOutcome]

    @property
    def sessions_attended(self) -> int:
        return sum(1 for e in self.enrolments if e.attendance_status == "present")

    @property
    def current_stay(self) -> Stay | None:
        return next((s for s in self.stays if s.check_out is None), None)


def person_programs(user: User, person: Person) -> PersonPrograms:
    """Training, outcomes, assistance and stays of one person: four queries, whatever the
    size of the history (plus one for the user's sites, cached for the request)."""
    enrolments = (
        visible_to(user, Enrolment.objects.filter(person=person))
        .select_related("session__course", "session__location")
        .with_attendance_status()
        .order_by("-session__date", "-session__start_time")
    )
    distributions = (
        visible_to(user, Distribution.objects.filter(person=person))
        .select_related("assistance_type", "partner", "location")
        .order_by("-distributed_on", "-id")
    )
    stays = (
        visible_to(user, Stay.objects.filter(person=person))
        .select_related("home__location")
        .order_by("-check_in", "-id")
    )
    outcomes = (
        visible_to(user, LivelihoodOutcome.objects.filter(person=person))
        .select_related("enrolment__session__course")
        .order_by("-recorded_on", "-id")
    )
    return PersonPrograms(list(enrolments), list(distributions), list(stays), list(outcomes))
