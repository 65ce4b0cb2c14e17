"""Background jobs against the real services when things break (issue 18, docs/jobs.md
"When things break"): PostgreSQL, a private redis-server and real Celery workers, run as
subprocesses and killed with SIGKILL. Each test ends with every job done exactly once (or
failed with a clear reason) and no partial file left.

- `test_a_worker_killed_mid_*`: a worker is killed with SIGKILL in the middle of an
  import (a 3,000-row CSV, killed once rows are counted), an export (20,000 rows, killed
  once rows are written) and a scheduled monthly report build (killed while a step runs: the
  step's query waits on a table lock the test holds, so the timing is deterministic). The
  test process sweeps as if the runner's `stale_after` had passed, a new worker starts, and
  the job is done on its second attempt: the people imported once (no duplicate case
  number), the export's zip complete with no partial file, one report and one admins'
  e-mail (the worker writes each e-mail to a file: `EMAIL_URL=filemail://`).
- `test_an_export_whose_worker_is_killed_twice_fails_with_a_reason`: killed on both of its
  attempts, the export fails with "The background worker stopped twice", no file left.
- `test_messages_lost_with_redis_are_sent_again_by_the_sweeper`: jobs of each kind are
  queued while no worker runs, Redis is flushed (FLUSHALL on the private Redis), the sweep
  after `RESEND_AFTER` sends them again, and a worker runs each once.
- `test_a_broker_unreachable_at_request_time_*`: the import upload and the export request
  screens answer as usual when the broker cannot be reached, the job waits (no `queued_at`)
  and the page says so; with the broker back, the sweep sends it and a worker runs it once.
- `test_a_message_delivered_twice_while_the_job_runs_does_nothing`: a second worker gets a
  second message for a job the first one is running; it does nothing, and the job is done
  once, with one e-mail.

They skip unless the database is PostgreSQL and redis-server is on PATH (they fail instead
under REQUIRE_SERVICES=1); the harness is in conftest.py.
"""

from __future__ import annotations

import csv
import io
import socket
from datetime import timedelta
from itertools import combinations

import pytest
import pyzipper
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django_celery_results.models import TaskResult

from people import import_jobs
from people.import_rows import COLUMNS
from people.keys import apply_derived_fields
from people.models import Exit, ImportJob, Person
from portal import exports, jobs
from portal.models import ExportJob
from reports import services
from reports.builds import BuildRunner
from reports.models import Report, ReportBuild
from reports.periods import previous_month
from reports.tasks import run_build
from tests.faults.conftest import point_celery_at, wait_for
from tests.people.test_import import GOOD

# serialized_rollback, as every transactional test here: the flush after a test then skips
# post_migrate, so the next test restores the migrated rows (role groups) onto an empty database.
pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IMPORT_ROWS = 3000
EXPORT_ROWS = 20_000
WAITING_FOR_WORKER = (
    "Waiting for the background worker; it will start when the worker is reachable."
)


# --- Making jobs ---------------------------------------------------------------------------


# Names the matching tells apart (issue 21): it ignores the digits of a name, so "Person 00001"
# and "Person 00046" would be one person; three different syllables each give 5,984 names.
NAME_SYLLABLES = (
    "Aung", "Kyaw", "Min", "Htet", "Zaw", "Naing", "Lin", "Tun", "Win", "Hla", "Myint", "Soe",
    "Moe", "Thein", "Khin", "Nyein", "Phyo", "Hlaing", "Swe", "Thant", "Zin", "Wai", "Yan",
    "Htoo", "Lwin", "Pyae", "Thu", "Nwe", "Myo", "Sein", "Chit", "Hein", "Paing", "Shwe",
)  # fmt: skip
DISTINCT_NAMES = [" ".join(words) for words in combinations(NAME_SYLLABLES, 3)]


def import_csv(rows: int) -> bytes:
    """A CSV of `rows` distinct people at MAE-SOT, with no case numbers (the import gives
    them)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        values = {
            **GOOD,
            "full_name": DISTINCT_NAMES[n],
            "preferred_name": f"IP{n}",
            "name_my": "",
            "birth_year": str(1960 + n % 45),
        }
        writer.writerow([values[column] for column in COLUMNS])
    return out.getvalue().encode()


def make_people(count: int, location) -> None:
    people = []
    for n in range(count):
        person = Person(
            case_number=f"FT-25-{n:05d}",
            full_name=f"Export Person {n:05d}",
            sex="male",
            birth_year=1990,
            location=location,
            status="active",
        )
        apply_derived_fields(person)
        people.append(person)
    Person.objects.bulk_create(people, batch_size=2000)


def make_exits(location, month: str) -> None:
    """A few people who left last month, so the monthly report has something to count."""
    make_people(20, location)
    exit_date = timezone.datetime.strptime(f"{month}-15", "%Y-%m-%d").date()
    Exit.objects.bulk_create(
        Exit(
            person=person,
            exit_type="defected",
            affiliation="soldier",
            exit_date=exit_date,
            recruit_status="new_recruit",
        )
        for person in Person.objects.all()
    )


def request_monthly_build() -> ReportBuild:
    return services.request_build("monthly", previous_month(), scheduled=True)


def job_state(job) -> tuple[str, int]:
    job.refresh_from_db()
    return job.status, job.attempts


def sweep_as_if_stale(runner) -> dict[str, int]:
    """The sweeper's decision, taken in the test process as if the runner's `stale_after`
    had passed (no waiting for minutes)."""
    return jobs.sweep(now=timezone.now() + runner.stale_after + timedelta(minutes=1))


def finished(job):
    def check():
        job.refresh_from_db()
        return job.status in ("done", "failed")

    return check


# Django's file backend ends each message it writes with this line.
END_OF_MESSAGE = "-" * 79 + "\n"


def mails(mail_dir) -> list[str]:
    """The e-mails written so far, whole: the file backend creates its file when it opens the
    connection, before the message is in it (CI once read such an empty file)."""
    texts = [path.read_text() for path in sorted(mail_dir.iterdir())]
    return [text for text in texts if text.endswith(END_OF_MESSAGE)]


def assert_import_done_once(job: ImportJob, rows: int) -> None:
    assert Person.objects.count() == rows
    duplicates = Person.objects.values("case_number").annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicates.exists()
    assert not import_jobs.upload_path(job.pk).exists()
    assert list(import_jobs.upload_dir().iterdir()) == []


def assert_export_complete(job: ExportJob, rows: int) -> None:
    """The zip opens with the job's password and holds the header and every row; nothing
    else is left in the exports folder (no partial zip, no scratch file)."""
    assert [path.name for path in exports.export_dir().iterdir()] == [f"{job.pk}.zip"]
    with pyzipper.AESZipFile(exports.file_path(job)) as archive:
        archive.setpassword(job.password.encode())
        (name,) = archive.namelist()
        lines = archive.read(name).decode("utf-8-sig").splitlines()
    assert len(lines) == rows + 1 and lines[0].startswith("case_number,")
    assert job.rows_done == rows


def assert_report_once(build: ReportBuild, mail_dir, admin_email: str) -> None:
    assert Report.objects.filter(kind=build.kind, period=build.period).count() == 1
    # The e-mail follows the transition to done (`on_done`): wait for it, then count.
    sent = wait_for(lambda: mails(mail_dir), "the admins' e-mail")
    assert len(sent) == 1 and sent[0].count("\nSubject: ") == 1 and admin_email in sent[0]


# --- 1. A worker killed with SIGKILL in the middle of a job --------------------------------


def test_a_worker_killed_mid_import_leaves_it_to_the_next_worker(
    workers, case_worker_mae_sot, mae_sot
):
    worker = workers.start()
    job = import_jobs.request_import(
        user=case_worker_mae_sot, data=import_csv(IMPORT_ROWS), file_name="p.csv", dry_run=False
    )

    wait_for(lambda: ImportJob.objects.filter(pk=job.pk, rows_done__gt=0).exists(), "rows read")
    worker.kill()
    assert job_state(job) == ("running", 1)
    assert import_jobs.upload_path(job.pk).exists()  # kept for the next attempt

    assert sweep_as_if_stale(import_jobs.ImportRunner)["requeued"] == 1
    workers.start()
    wait_for(finished(job), "the import to finish")

    assert job_state(job) == ("done", 2), job.error
    assert_import_done_once(job, IMPORT_ROWS)


def test_a_worker_killed_mid_export_leaves_it_to_the_next_worker(workers, admin_user, mae_sot):
    make_people(EXPORT_ROWS, mae_sot)
    worker = workers.start()
    job = exports.request_export(user=admin_user, kind="people", params={}, file_format="csv")

    wait_for(lambda: ExportJob.objects.filter(pk=job.pk, rows_done__gt=0).exists(), "rows written")
    worker.kill()
    assert job_state(job) == ("running", 1)
    assert exports.file_path(job).exists()  # the partial zip of the killed attempt

    assert sweep_as_if_stale(exports.ExportRunner)["requeued"] == 1
    assert not exports.file_path(job).exists()
    workers.start()
    wait_for(finished(job), "the export to finish")

    assert job_state(job) == ("done", 2), job.error
    assert_export_complete(job, EXPORT_ROWS)


def test_an_export_whose_worker_is_killed_twice_fails_with_a_reason(workers, admin_user, mae_sot):
    make_people(EXPORT_ROWS, mae_sot)
    job = exports.request_export(user=admin_user, kind="people", params={}, file_format="csv")

    for attempt in (1, 2):
        worker = workers.start()
        # Its zip is being written (rows_done may still be the killed attempt's).
        wait_for(
            lambda n=attempt: ExportJob.objects.filter(pk=job.pk, attempts=n).exists()
            and exports.file_path(job).exists(),
            f"attempt {attempt} to write its zip",
        )
        worker.kill()
        assert job_state(job) == ("running", attempt)
        sweep_as_if_stale(exports.ExportRunner)
        assert not exports.file_path(job).exists()

    assert job_state(job) == ("failed", 2)
    assert job.reason == "worker_lost" and job.get_reason_display() == (
        "The background worker stopped twice; try again."
    )
    assert list(exports.export_dir().iterdir()) == []  # no partial zip left


def test_a_worker_killed_mid_report_build_leaves_it_to_the_next_worker(
    workers, admin_user, mae_sot, table_lock, mail_dir
):
    make_exits(mae_sot, previous_month())
    worker = workers.start()
    table_lock(Exit._meta.db_table)  # the first step's query waits: the build is mid-step
    build = request_monthly_build()

    wait_for(lambda: ReportBuild.objects.filter(pk=build.pk, step="exits").exists(), "a step")
    worker.kill()
    table_lock.release()
    assert job_state(build) == ("running", 1) and mails(mail_dir) == []

    assert sweep_as_if_stale(BuildRunner)["requeued"] == 1
    workers.start()
    wait_for(finished(build), "the build to finish")

    assert job_state(build) == ("done", 2), build.error
    assert_report_once(build, mail_dir, admin_user.email)
    assert Report.objects.get().versions.get().data["exits"]  # computed, with the month's exits


# --- 2. Messages lost with Redis ------------------------------------------------------------


def test_messages_lost_with_redis_are_sent_again_by_the_sweeper(
    workers, redis_server, admin_user, case_worker_mae_sot, mae_sot, mail_dir
):
    make_exits(mae_sot, previous_month())
    queued = [
        import_jobs.request_import(
            user=case_worker_mae_sot, data=import_csv(50), file_name="p.csv", dry_run=False
        ),
        exports.request_export(user=admin_user, kind="people", params={}, file_format="csv"),
        request_monthly_build(),
    ]
    assert all(job.__class__.objects.get(pk=job.pk).queued_at for job in queued)

    redis_server.flushall()  # the messages are gone; no worker ever saw them
    result = jobs.sweep(now=timezone.now() + jobs.RESEND_AFTER + timedelta(seconds=30))
    assert result == {"resent": 3, "requeued": 0, "failed": 0}
    workers.start()

    for job in queued:
        wait_for(finished(job), f"{job._meta.label} to finish")
        assert job_state(job) == ("done", 1), job.error
    assert Person.objects.count() == 20 + 50
    assert_export_complete(queued[1], 20)
    assert_report_once(queued[2], mail_dir, admin_user.email)


# --- 3. The broker unreachable at request time ----------------------------------------------


@pytest.fixture
def broker_unreachable(redis_server):
    """The test process sends to a closed port until `back()` is called."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    point_celery_at(f"redis://127.0.0.1:{closed}/0")

    class Broker:
        def back(self):
            point_celery_at(redis_server.url)

    return Broker()


def waits_then_runs_once(client, response, job, workers, broker_unreachable) -> None:
    """The request answered as usual and the job page says it waits; once the broker is back,
    the sweep sends the job and a worker runs it once."""
    job.refresh_from_db()
    assert response.status_code == 302 and (job.status, job.queued_at) == ("queued", None)
    page = client.get(response["Location"])
    assert page.status_code == 200 and WAITING_FOR_WORKER in page.text

    broker_unreachable.back()
    assert jobs.sweep(now=timezone.now() + jobs.RESEND_AFTER)["resent"] == 1
    assert job.__class__.objects.get(pk=job.pk).queued_at  # the broker took it this time
    workers.start()
    wait_for(finished(job), f"the {job._meta.verbose_name} to finish")
    assert job_state(job) == ("done", 1), job.error


def test_a_broker_unreachable_at_request_time_delays_an_import(
    workers, broker_unreachable, signed_in, case_worker_mae_sot
):
    client = signed_in(case_worker_mae_sot)
    data = import_csv(20)

    response = client.post(reverse("people:import"), {"file": SimpleUploadedFile("p.csv", data)})

    job = ImportJob.objects.get()
    waits_then_runs_once(client, response, job, workers, broker_unreachable)
    assert_import_done_once(job, 20)


def test_a_broker_unreachable_at_request_time_delays_an_export(
    workers, broker_unreachable, signed_in, admin_user, mae_sot
):
    make_people(100, mae_sot)
    client = signed_in(admin_user)

    response = client.post(reverse("portal:export_new", args=["people"]), {"file_format": "csv"})

    job = ExportJob.objects.get()
    waits_then_runs_once(client, response, job, workers, broker_unreachable)
    assert_export_complete(job, 100)


# --- 4. A message delivered twice while the job runs ----------------------------------------


def test_a_message_delivered_twice_while_the_job_runs_does_nothing(
    workers, admin_user, mae_sot, table_lock, mail_dir
):
    make_exits(mae_sot, previous_month())
    workers.start()
    table_lock(Exit._meta.db_table)  # the first worker's build waits mid-step
    build = request_monthly_build()
    wait_for(lambda: ReportBuild.objects.filter(pk=build.pk, step="exits").exists(), "a step")

    # A second worker takes the second message while the first still runs the job.
    workers.start()
    again = run_build.apply_async(args=[str(build.pk)])
    wait_for(
        lambda: TaskResult.objects.filter(task_id=again.id, status="SUCCESS").exists(),
        "the second delivery to be handled",
    )
    assert job_state(build) == ("running", 1)

    table_lock.release()
    wait_for(finished(build), "the build to finish")
    assert job_state(build) == ("done", 1), build.error
    assert_report_once(build, mail_dir, admin_user.email)
