"""Helpers shared by the browser journeys (fixtures are in conftest.py)."""

import re
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pyotp
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import connection
from django.utils import timezone

from people import services as people_services
from people.models import Person
from portal import crypto, jobs
from portal.models import Location
from portal.roles import Role
from programs.models import Enrolment
from reports import services as report_services
from reports.periods import parse
from tests.conftest import make_user
from tests.people.factories import ExitFactory
from tests.people.factories import PersonFactory as ReportPersonFactory
from tests.programs.factories import CourseFactory, PersonFactory, TrainingSessionFactory

SCREENSHOTS = Path(settings.VAR_DIR) / "e2e"
PHONE = {"width": 390, "height": 844}


def fresh_totp_code(secret: str) -> str:
    """The current code, taken early enough in its 30-second window that the server checks it
    in the same window (the portal accepts no neighbouring window)."""
    totp = pyotp.TOTP(secret)
    left = totp.interval - time.time() % totp.interval
    if left < 3:
        time.sleep(left + 0.1)
    return totp.now()


def user_totp_code(user) -> str:
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    return fresh_totp_code(crypto.decrypt(authenticator.data["secret"]))


def sign_out(page):
    page.locator("nav form[action='/accounts/logout/'] button").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


@dataclass
class PortalData:
    admin: object
    case_worker: object
    trainer: object
    analyst: object
    person: object
    session: object
    report_path: str
    # Data shown on pages (names, codes, places): never an untranslated UI string.
    data_texts: list = field(default_factory=list)


def create_portal_data(mae_sot) -> PortalData:
    """One user per role, a person with an exit and a case note, today's session with a
    roster of three, a session in three days, and a stored monthly report (2025-08)."""
    admin = make_user(Role.ADMIN, email="admin@example.org", full_name="Alice Admin")
    case_worker = make_user(
        Role.CASE_WORKER, [mae_sot], email="cw.maesot@example.org", full_name="Thida Case"
    )
    trainer = make_user(
        Role.TRAINER, [mae_sot], mfa=False, email="trainer@example.org", full_name="Tun Trainer"
    )
    analyst = make_user(
        Role.ANALYST, mfa=False, email="analyst@example.org", full_name="Andrew Analyst"
    )
    person = PersonFactory(
        location=mae_sot,
        full_name="Kyaw Min Oo",
        preferred_name="Ko Kyaw",
        name_my="ကျော်မင်းဦး",
        sex="male",
        birth_year=1998,
        case_worker=case_worker,
    )
    ExitFactory(
        person=person,
        exit_type="defected",
        affiliation="soldier",
        exit_date=date(2025, 8, 14),
        place_township="Myawaddy",
    )
    people_services.add_note(by=case_worker, person=person, text="First meeting at the office.")
    session = TrainingSessionFactory(
        course=CourseFactory(name="Sewing basics"), trainer=trainer, location=mae_sot
    )
    others = [
        PersonFactory(location=mae_sot, full_name=f"Roster Person {n}", preferred_name=name)
        for n, name in enumerate(("Ko Aung", "Ma Hla"))
    ]
    Enrolment.objects.bulk_create(
        [Enrolment(session=session, person=p, enrolled_by=trainer) for p in [person, *others]]
    )
    TrainingSessionFactory(
        course=session.course,
        trainer=trainer,
        location=mae_sot,
        date=timezone.localdate() + timedelta(days=3),
    )
    for n in range(6):
        ExitFactory(
            person=ReportPersonFactory(location=mae_sot, full_name=f"Report Person {n}"),
            exit_type="defected",
            affiliation="soldier",
            exit_date=date(2025, 8, 1 + n),
        )
    # Built and released (an admin approved it), as analysts see only released versions.
    report_services.approve(report_services.build_report(parse("monthly", "2025-08")).pk, by=admin)

    data_texts = [
        *(u.full_name for u in (admin, case_worker, trainer, analyst)),
        *(u.email for u in (admin, case_worker, trainer, analyst)),
        "Sewing basics",
        "Myawaddy",
        "First meeting at the office.",
    ]
    for location in Location.objects.all():
        data_texts += [location.code, location.name]
    for someone in Person.objects.all():
        data_texts += [someone.case_number, someone.full_name, someone.preferred_name]
    return PortalData(
        admin=admin,
        case_worker=case_worker,
        trainer=trainer,
        analyst=analyst,
        person=person,
        session=session,
        report_path="/reports/monthly/2025-08/",
        data_texts=sorted({t for t in data_texts if t}, key=len, reverse=True),
    )


# The longest a held task waits for the test to have seen it queued.
WORKER_WAIT = 15


class HeldWorker:
    """Stands in for a Celery worker: the message the job runner sends (`portal.jobs.send`,
    after the request's transaction committed) runs the task eagerly, in-process, on a thread
    once the test has seen the job waiting (`pick_up()`), so that a journey can see the
    "Waiting" state and the progress."""

    def __init__(self, task):
        self.task = task
        self.go = threading.Event()
        self.threads = []

    def apply_async(self, args, countdown=None):
        self._start(args[0])

    def _start(self, job_id):
        thread = threading.Thread(target=self._work, args=[job_id], daemon=True)
        self.threads.append(thread)
        thread.start()

    def _work(self, job_id):
        self.go.wait(timeout=WORKER_WAIT)
        try:
            self.task.apply(args=[job_id])
        finally:
            connection.close()

    def pick_up(self):
        self.go.set()

    def finish(self):
        self.pick_up()
        for thread in self.threads:
            thread.join(timeout=30)


def hold_task(monkeypatch, module, name: str) -> HeldWorker:
    """Hold the jobs of the task `module.name`: the job runner's registry sends them to a
    held worker for the test."""
    task = getattr(module, name)
    worker = HeldWorker(task)
    kinds = [kind for kind, entry in jobs.registered().items() if entry.task is task]
    assert kinds, f"{module.__name__}.{name} runs no registered job"
    for kind in kinds:
        monkeypatch.setitem(
            jobs._registry, kind, jobs.JobKind(jobs.registered()[kind].runner, worker)
        )
    return worker
