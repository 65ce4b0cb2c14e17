"""What the scenarios run against: the demo users as a completed sign-in leaves them, the
benchmark's training session, an import file and the list every scenario asks for."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import time as clock

import pyotp
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.test import Client

from devtools.demo.people import SYLLABLES
from people.filters import PersonFilter
from people.import_rows import COLUMNS
from people.models import Person
from people.selectors import people_for
from portal.models import Location, Pledge, PledgeAcceptance, User
from portal.roles import Role
from portal.selectors import locations_for
from portal.timezones import site_today
from programs.models import Course, Enrolment, TrainingSession

# The list every scenario asks for: a name search and two filters, one of them on exits.
LIST_FILTERS = {"q": "kyaw", "status": "active", "exit_type": "defected"}
PAGE_SIZE = 50
ROSTER_SIZE = 40
IMPORT_ROWS = 10_000
MINIMAL_COLUMNS = ("full_name", "location")  # the least a row needs to be imported
BENCH_COURSE = "English"  # the bench session: the demo trainer's, today, 17:00
BENCH_START = clock(17, 0)


@dataclass
class Actors:
    admin: User
    case_worker: User
    trainer: User


def demo_actors() -> Actors:
    """The demo users, with what force-login skips: a TOTP authenticator (admins and case
    workers must have one) and the current pledge accepted."""
    users = {
        user.email: user
        for user in User.objects.filter(
            email__in=["admin@demo.example", "caseworker@demo.example", "trainer@demo.example"]
        )
    }
    actors = Actors(
        users["admin@demo.example"], users["caseworker@demo.example"], users["trainer@demo.example"]
    )
    pledge = Pledge.current()
    for user in (actors.admin, actors.case_worker, actors.trainer):
        if (
            user.role != Role.TRAINER
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, pyotp.random_base32())
        if pledge is not None:
            PledgeAcceptance.objects.get_or_create(user=user, pledge=pledge)
    return actors


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def bench_session(trainer: User, enrolled_by: User, size: int = ROSTER_SIZE) -> TrainingSession:
    """The demo trainer's session today at MAE-SOT with `size` people holding a place (the
    first usable people of the site by case number)."""
    location = Location.objects.get(code="MAE-SOT")
    course, _ = Course.objects.get_or_create(name=BENCH_COURSE)
    session, _ = TrainingSession.objects.update_or_create(
        course=course,
        trainer=trainer,
        location=location,
        start_time=BENCH_START,
        defaults={"date": site_today(location), "end_time": clock(18, 30), "capacity": size},
        create_defaults={
            "date": site_today(location),
            "end_time": clock(18, 30),
            "capacity": size,
            "created_by": enrolled_by,
        },
    )
    holding = session.enrolments.filter(status__in=Enrolment.TAKES_A_PLACE).count()
    if holding < size:
        taken = session.enrolments.values("person_id")
        people = (
            Person.objects.current()
            .filter(location=location)
            .exclude(status="closed")
            .exclude(pk__in=taken)
            .order_by("case_number")[: size - holding]
        )
        Enrolment.objects.bulk_create(
            [Enrolment(session=session, person=p, enrolled_by=enrolled_by) for p in people]
        )
    return session


def import_csv(rows: int = IMPORT_ROWS, seed: int = 10) -> bytes:
    """A valid import file of `rows` people at MAE-SOT (case numbers left to the portal)."""
    rng = random.Random(seed)  # noqa: S311 - test data
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for number in range(rows):
        parts = rng.sample(SYLLABLES, 3)
        values = {
            "case_number": "",
            "full_name": " ".join(p[0] for p in parts),
            "preferred_name": parts[0][0],
            "name_my": "".join(p[1] for p in parts),
            "sex": "male",
            "birth_year": str(1975 + number % 30),
            "exit_type": rng.choice(["defected", "surrendered", "pow"]),
            "affiliation": "soldier",
            "exit_date": f"2025-{1 + number % 12:02d}-{1 + number % 28:02d}",
            "recruit_status": "new_recruit",
            "rank": "Private",
            "origin_region": "sagaing",
            "location": "MAE-SOT",
            "notes": "Imported for the benchmark." if number % 4 == 0 else "",
        }
        writer.writerow([values[column] for column in COLUMNS])
    return out.getvalue().encode()


def minimal_import_csv(rows: int, seed: int = 11) -> bytes:
    """A valid import file of `rows` people at MAE-SOT with only a full name and the site:
    the most rows a file within the size limit can hold, so the worst case for memory."""
    rng = random.Random(seed)  # noqa: S311 - test data
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for _number in range(rows):
        values = {
            "full_name": " ".join(p[0] for p in rng.sample(SYLLABLES, 3)),
            "location": "MAE-SOT",
        }
        writer.writerow([values.get(column, "") for column in COLUMNS])
    return out.getvalue().encode()


def list_matches(user: User) -> int:
    people = PersonFilter(LIST_FILTERS, queryset=people_for(user), locations=locations_for(user))
    return people.qs.count()
