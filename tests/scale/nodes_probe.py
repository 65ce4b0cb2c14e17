"""Seeds and checks the many-node test (tests/scale/test_many_nodes.py), inside a portal
process on the test's database: `python tests/scale/nodes_probe.py seed|check`.

`seed` makes the users, sessions and tokens the test drives over HTTP and prints them as
JSON; `check` prints what the database holds afterwards: jobs, people, attendance, audit.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from people.models import ImportJob, Person  # noqa: E402
from portal.models import AuditEvent, ExportJob  # noqa: E402
from portal.roles import Role  # noqa: E402
from programs.models import Attendance, IdempotentRequest  # noqa: E402
from reports.models import ReportBuild, ReportVersion  # noqa: E402
from tests.conftest import make_user  # noqa: E402
from tests.conftest import site as conftest_site  # noqa: E402
from tests.programs.factories import EnrolmentFactory, TrainingSessionFactory  # noqa: E402

SESSIONS = 4
ENROLLED = 5


def seed() -> dict:
    setup_test_environment()
    site = conftest_site("MAE-SOT")
    admin = make_user(Role.ADMIN, [site], email="admin@example.org")
    client = Client()
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    trainers, sessions = [], []
    for number in range(SESSIONS):
        trainer = make_user(Role.TRAINER, [site], mfa=False, email=f"trainer{number}@example.org")
        session = TrainingSessionFactory(trainer=trainer, location=site)
        people = [EnrolmentFactory(session=session).person_id for _ in range(ENROLLED)]
        sessions.append({"id": session.pk, "people": people})
        trainers.append(AuthToken.objects.create(trainer)[1])
    return {
        "admin_cookie": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "tokens": trainers,
        "sessions": sessions,
        "people": Person.objects.count(),
    }


def jobs(model) -> list[dict]:
    return list(model.objects.values("status", "attempts", "rows_done"))


def check() -> dict:
    return {
        "people": Person.objects.count(),
        "imports": list(ImportJob.objects.values("status", "attempts", "rows_done", "dry_run")),
        "exports": jobs(ExportJob),
        "export_files": sorted(p.name for p in (settings.VAR_DIR / "exports").glob("*.zip")),
        "export_ids": sorted(str(pk) for pk in ExportJob.objects.values_list("pk", flat=True)),
        "builds": list(ReportBuild.objects.values("status", "attempts", "kind", "period")),
        "versions": list(
            ReportVersion.objects.values_list("report__kind", "report__period", "number")
        ),
        "attendance": list(Attendance.objects.values_list("session_id", "person_id", "status")),
        "idempotent_requests": IdempotentRequest.objects.count(),
        "audit": {
            "imported_rows": [
                changes["rows"][1]
                for changes in AuditEvent.objects.filter(
                    object_type="people.person", action="import"
                ).values_list("changes", flat=True)
            ],
            "attendance": AuditEvent.objects.filter(object_type="programs.attendance").count(),
            "build_requested": AuditEvent.objects.filter(
                object_type="reports.reportbuild", action="create"
            ).count(),
        },
    }


if __name__ == "__main__":
    print(json.dumps({"seed": seed, "check": check}[sys.argv[1]](), default=str))
