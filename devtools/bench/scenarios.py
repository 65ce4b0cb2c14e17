"""Speed measurements for `manage.py bench` (see docs/performance.md).

Each scenario runs in this process through Django's test client (the whole middleware stack,
no network) against the configured database, as the demo users of `seed_demo`: the case
worker (people list, a signed-in page with no content, person page, import), the trainer
(roster save) and the admin (dashboard). Times are medians over repeated runs after warm-up
runs; query counts are taken from one extra run.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time as clock

import django
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

# The list every scenario asks for: a name search and two filters, one of them on exits.
LIST_FILTERS = {"q": "kyaw", "status": "active", "exit_type": "defected"}
PAGE_SIZE = 50
ROSTER_SIZE = 40
IMPORT_ROWS = 10_000
BENCH_COURSE = "English"  # the bench session: the demo trainer's, today, 17:00
BENCH_START = clock(17, 0)

TARGETS = {
    "list_html_ms": 50.0,
    "list_api_ms": 50.0,
    "list_ratio": 2.0,
    "roster_save_queries": 8,
    "dashboard_ms": 30.0,
    "annual_report_s": 3.0,
    "import_rows_per_s": 2000.0,
}


@dataclass
class Timing:
    """Seconds of each measured run."""

    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.runs), max(self.runs)

    def as_dict(self, unit: float = 1000.0) -> dict:
        low, high = self.spread
        return {
            "median": round(self.median * unit, 2),
            "min": round(low * unit, 2),
            "max": round(high * unit, 2),
            "runs": len(self.runs),
        }


def _seconds(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def measure(action: Callable[[], object], runs: int, warmups: int) -> Timing:
    for _ in range(warmups):
        action()
    return Timing([_seconds(action) for _ in range(runs)])


def measure_alternately(
    first: Callable[[], object], second: Callable[[], object], runs: int, warmups: int
) -> tuple[Timing, Timing]:
    """Time two actions in turn, run after run, so that both see the same machine: on a
    shared machine the load drifts from minute to minute, and two figures measured one
    after the other would compare two different moments."""
    for _ in range(warmups):
        first()
        second()
    pairs = [(_seconds(first), _seconds(second)) for _ in range(runs)]
    return Timing([a for a, _ in pairs]), Timing([b for _, b in pairs])


TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


@dataclass
class Queries:
    """The statements of one run: `count` queries, plus `control` transaction statements
    (BEGIN, SAVEPOINT, RELEASE, COMMIT: round trips, but no work for the database)."""

    statements: list[str]

    @property
    def control(self) -> int:
        return sum(1 for sql in self.statements if _head(sql) in TRANSACTION_CONTROL)

    @property
    def count(self) -> int:
        return len(self.statements) - self.control

    def as_dict(self) -> dict:
        return {"queries": self.count, "transaction_statements": self.control}


def _head(sql: str) -> str:
    return sql.split(None, 1)[0].upper() if sql.strip() else ""


def count_queries(action: Callable[[], object]) -> Queries:
    with CaptureQueriesContext(connection) as captured:
        action()
    return Queries([query["sql"] for query in captured.captured_queries])


def real_queries(statements: list[str]) -> list[str]:
    """The statements that reach the database as queries (not transaction control)."""
    keep = []
    for sql in statements:
        if _head(sql) in TRANSACTION_CONTROL:
            continue
        if _head(sql) == "DECLARE":  # a server-side cursor (QuerySet.iterator): its SELECT
            sql = sql[sql.upper().index(" FOR ") + 5 :]
        keep.append(sql)
    return keep


def run_raw(statements: list[str]) -> None:
    """Send the SQL as captured (values inlined by the driver) and fetch every row: the time
    the database and the driver need, without Django."""
    cursor = connection.connection.cursor()
    try:
        for sql in statements:
            cursor.execute(sql)
            if cursor.description is not None:
                cursor.fetchall()
    finally:
        cursor.close()


# --- The machine ---------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as info:
            kib = int(info.readline().split()[1])
            memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            database = f"{connection.vendor} {connection.Database.sqlite_version}"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        # Other work on the machine skews the figures: the load when the run started.
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
    }


CALIBRATION_ROWS = 200_000
_COUNT_TO_N = (
    "WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < %s) "
    "SELECT COUNT(*) FROM numbers"
)


def _python_workload() -> int:
    """Dictionaries, strings and formatting, the kind of work Django does for a page."""
    rows = [{"id": n, "name": f"person {n}"} for n in range(CALIBRATION_ROWS // 10)]
    return sum(len(f"{row['id']}:{row['name']}") for row in rows)


def _sql_workload() -> int:
    """A query that reads no table: the database server's speed, not the data's."""
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_TO_N, [CALIBRATION_ROWS])
        return cursor.fetchone()[0]


def calibration(runs: int = 9) -> dict:
    """Two fixed workloads, to compare runs made on different machines, or at different
    moments of a shared one (the same code was 2.4 times slower on session 3's machine)."""
    return {
        "python_ms": round(measure(_python_workload, runs, 1).median * 1000, 2),
        "sql_ms": round(measure(_sql_workload, runs, 1).median * 1000, 2),
    }


# --- Users and fixtures --------------------------------------------------------------------


@dataclass
class Actors:
    admin: object
    case_worker: object
    trainer: object


def demo_actors() -> Actors:
    """The demo users, with what force-login skips: a TOTP authenticator (admins and case
    workers must have one) and the current pledge accepted."""
    import pyotp
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    from portal.models import Pledge, PledgeAcceptance, User

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
            user.role != "trainer"
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            TOTP.activate(user, pyotp.random_base32())
        if pledge is not None:
            PledgeAcceptance.objects.get_or_create(user=user, pledge=pledge)
    return actors


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def bench_session(trainer, enrolled_by, size: int = ROSTER_SIZE):
    """The demo trainer's session today at MAE-SOT with `size` people holding a place (the
    first usable people of the site by case number)."""
    from people.models import Person
    from portal.models import Location
    from programs.models import Course, Enrolment, TrainingSession

    location = Location.objects.get(code="MAE-SOT")
    course, _ = Course.objects.get_or_create(name=BENCH_COURSE)
    session, _ = TrainingSession.objects.update_or_create(
        course=course,
        trainer=trainer,
        location=location,
        start_time=BENCH_START,
        defaults={"date": timezone.localdate(), "end_time": clock(18, 30), "capacity": size},
        create_defaults={
            "date": timezone.localdate(),
            "end_time": clock(18, 30),
            "capacity": size,
            "created_by": enrolled_by,
        },
    )
    holding = session.enrolments.filter(status__in=Enrolment.TAKES_A_PLACE).count()
    if holding < size:
        taken = session.enrolments.values("person_id")
        people = (
            Person.objects.filter(location=location, merged_into__isnull=True)
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
    from devtools.demo.people import SYLLABLES
    from people.import_rows import COLUMNS

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


def list_matches(user) -> int:
    from people.filters import PersonFilter
    from people.selectors import people_for
    from portal.selectors import locations_for

    people = PersonFilter(LIST_FILTERS, queryset=people_for(user), locations=locations_for(user))
    return people.qs.count()


# --- Scenarios -----------------------------------------------------------------------------


@dataclass
class SizeResult:
    people: int
    figures: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Scenarios:
    def __init__(self, runs: int, warmups: int, heavy_runs: int, log: Callable[[str], None]):
        self.runs, self.warmups, self.heavy_runs = runs, warmups, heavy_runs
        self.log = log

    def run_all(self, people: int) -> SizeResult:
        from devtools.demo.people import BulkWriter

        result = SizeResult(people)
        actors = demo_actors()
        # The same starting state for every size and every run of the command: no dead rows
        # left by earlier imports (rolled back), fresh statistics.
        BulkWriter().analyze()
        steps = [
            ("people list (HTML)", self.list_html),
            ("people list (API)", self.list_api),
            ("signed-in page with no content", self.floor),
            ("person page", self.person_page),
            ("roster save", self.roster_save),
            ("dashboard", self.dashboard),
            ("annual report", self.annual_report),
            ("other pages", self.other_pages),
            ("import", self.import_people),
        ]
        for label, step in steps:
            self.log(f"  {label}…")
            step(actors, result)
        return result

    # People list -------------------------------------------------------------------------

    def _against_raw_sql(
        self, client: Client, url: str, data: dict | None, key: str, result: SizeResult
    ) -> None:
        """The request, its SQL run raw, their ratio and Django's part (the difference)."""

        def get():
            response = client.get(url, data)
            assert response.status_code == 200, (url, response.status_code)  # noqa: S101
            return response

        response = get()
        queries = count_queries(get)
        raw = real_queries(queries.statements)
        timing, raw_timing = measure_alternately(get, lambda: run_raw(raw), self.runs, self.warmups)
        result.figures[key] = {
            **timing.as_dict(),
            **queries.as_dict(),
            "raw_sql": raw_timing.as_dict(),
            "ratio": round(timing.median / raw_timing.median, 2),
            "django_ms": round((timing.median - raw_timing.median) * 1000, 2),
            "bytes": len(response.content),
        }
        result.figures[f"{key}_sql"] = queries.statements

    def list_html(self, actors: Actors, result: SizeResult) -> None:
        client = client_for(actors.case_worker)
        response = client.post(reverse("people:list"), LIST_FILTERS)
        url = response["Location"]
        result.figures["list_matches"] = list_matches(actors.case_worker)
        self._against_raw_sql(client, url, None, "list_html", result)

    def list_api(self, actors: Actors, result: SizeResult) -> None:
        try:
            url = reverse("api-person-list")
        except NoReverseMatch:
            result.notes.append("people API list not present: not measured")
            return
        client = client_for(actors.case_worker)
        data = {**LIST_FILTERS, "page_size": PAGE_SIZE}
        if client.get(url, data).status_code != 200:
            result.notes.append("people API list did not answer 200: not measured")
            return
        self._against_raw_sql(client, url, data, "list_api", result)

    def floor(self, actors: Actors, result: SizeResult) -> None:
        """A signed-in page with no content of its own, as the list's case worker: what any
        page costs Django beyond its SQL, whatever the size of the data."""
        from devtools.bench.urls import FLOOR_PATH

        client = client_for(actors.case_worker)
        with override_settings(ROOT_URLCONF="devtools.bench.urls"):
            self._against_raw_sql(client, FLOOR_PATH, None, "floor", result)

    # Person page -------------------------------------------------------------------------

    def person_page(self, actors: Actors, result: SizeResult) -> None:
        from django.db.models import Count

        from people.models import Person

        # The same person at every size: the first of the site with training and assistance.
        person = (
            Person.objects.filter(location__code="MAE-SOT", merged_into__isnull=True)
            .annotate(sessions=Count("enrolments", distinct=True))
            .filter(sessions__gt=0, distributions__isnull=False, notes__isnull=False)
            .order_by("pk")
            .first()
        )
        if person is None:
            result.notes.append("no person with a programme history: person page not measured")
            return
        client = client_for(actors.case_worker)
        url = reverse("people:detail", args=[person.pk])

        def get():
            response = client.get(url)
            assert response.status_code == 200, response.status_code  # noqa: S101

        get()  # the first request after signing in also records the pledge in the session
        queries = count_queries(get)
        timing = measure(get, self.runs, self.warmups)
        result.figures["person_page"] = {**timing.as_dict(), **queries.as_dict()}

    # Roster ------------------------------------------------------------------------------

    def roster_save(self, actors: Actors, result: SizeResult) -> None:
        from programs import services

        session = bench_session(actors.trainer, actors.case_worker)
        client = client_for(actors.trainer)
        url = reverse("programs:roster", args=[session.pk])
        people = list(session.enrolments.order_by("person_id").values_list("person_id", flat=True))
        state = {"flip": 0}

        def save():
            # Every save changes every mark: the worst case (40 upserts, 40 history rows).
            state["flip"] ^= 1
            status = "present" if state["flip"] else "absent"
            response = client.post(url, {f"attendance-{pk}": status for pk in people})
            assert response.status_code == 302, response.status_code  # noqa: S101

        save()
        queries = count_queries(save)
        timing = measure(save, self.runs, self.warmups)
        state["flip"] ^= 1
        marks = {pk: "present" if state["flip"] else "absent" for pk in people}
        service = count_queries(
            lambda: services.save_attendance(by=actors.trainer, session=session, marks=marks)
        )
        page = count_queries(lambda: client.get(url))
        result.figures["roster_save"] = {
            **timing.as_dict(),
            **queries.as_dict(),
            "people": len(people),
            "service_queries": service.count,
            "page_queries": page.count,
        }
        result.figures["roster_save_sql"] = queries.statements

    # Dashboard ---------------------------------------------------------------------------

    def dashboard(self, actors: Actors, result: SizeResult) -> None:
        from reports.models import Report
        from reports.periods import previous_month

        key = previous_month()
        if not Report.objects.filter(kind="monthly", period=key).exists():
            result.notes.append(f"no stored monthly report {key}: dashboard not measured")
            return
        client = client_for(actors.admin)
        url = reverse("reports:dashboard", kwargs={"kind": "monthly", "period": key})

        def get():
            response = client.get(url)
            assert response.status_code == 200, response.status_code  # noqa: S101

        get()
        queries = count_queries(get)
        timing = measure(get, self.runs, self.warmups)
        result.figures["dashboard"] = {**timing.as_dict(), **queries.as_dict(), "period": key}

    # Annual report -----------------------------------------------------------------------

    def annual_report(self, actors: Actors, result: SizeResult) -> None:
        from reports import services
        from reports.periods import parse

        period = parse("annual", str(timezone.localdate().year - 1))
        queries = count_queries(lambda: services.build_report(period))
        timing = measure(lambda: services.build_report(period), self.heavy_runs, 1)
        result.figures["annual_report"] = {
            **timing.as_dict(unit=1.0),
            **queries.as_dict(),
            "unit": "s",
            "period": period.key,
        }

    def cumulative_report(self, period) -> dict:
        from reports import services

        timing = measure(lambda: services.build_report(period), self.heavy_runs, 1)
        return {**timing.as_dict(unit=1.0), "unit": "s", "period": period.key}

    # Other list pages, without targets: how they grow with the data --------------------------

    OTHER_PAGES = [
        ("people list, no filter", "case_worker", "people:list", {}),
        ("possible duplicates", "admin", "people:duplicates", {}),
        ("training sessions", "case_worker", "programs:session_list", {}),
        ("enrol page (bench session)", "case_worker", "programs:session_enrol", {"session": 1}),
        ("assistance list", "case_worker", "programs:distribution_list", {}),
        ("safe homes", "case_worker", "programs:occupancy", {}),
        ("audit log", "admin", "audit_list", {}),
        ("home (case worker)", "case_worker", "home", {}),
    ]

    def other_pages(self, actors: Actors, result: SizeResult) -> None:
        from reports.periods import parse

        figures = {}
        session = bench_session(actors.trainer, actors.case_worker)
        for label, role, name, kwargs in self.OTHER_PAGES:
            client = client_for(getattr(actors, role))
            url = reverse(name, args=[session.pk] if kwargs.get("session") else None)

            def get(client=client, url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)  # noqa: S101
                return response

            size = len(get().content)
            queries = count_queries(get)
            timing = measure(get, max(self.heavy_runs // 2, 1), 0)
            figures[label] = {**timing.as_dict(), **queries.as_dict(), "bytes": size}
        result.figures["other_pages"] = figures
        result.figures["cumulative_report"] = self.cumulative_report(parse("since_1027"))

    # Import ------------------------------------------------------------------------------

    def import_people(self, actors: Actors, result: SizeResult) -> None:
        from people.importing import import_people

        data = import_csv()

        def run():
            # Saved in a transaction that is rolled back: the data set stays as it was.
            with transaction.atomic():
                report = import_people(data, filename="bench.csv", user=actors.case_worker)
                assert report.saved, report.errors[:3]  # noqa: S101
                transaction.set_rollback(True)

        timing = measure(run, self.heavy_runs, 1)
        result.figures["import"] = {
            **timing.as_dict(unit=1.0),
            "unit": "s",
            "rows": IMPORT_ROWS,
            "rows_per_s": round(IMPORT_ROWS / timing.median),
        }


# --- Verdicts and the table ----------------------------------------------------------------


def verdicts(results: list[SizeResult]) -> list[dict]:
    """Each target, with the figure it is judged on (the largest size) and whether it is met."""
    if not results:
        return []
    largest = results[-1].figures
    checks = []

    def check(name: str, value, limit, met: bool | None, unit: str = "") -> None:
        checks.append({"target": name, "value": value, "limit": limit, "unit": unit, "met": met})

    for key, label in (("list_html", "people list (HTML)"), ("list_api", "people list (API)")):
        figure = largest.get(key)
        if not figure:
            checks.append({"target": f"{label}: not measured", "met": None})
            continue
        check(f"{label} median", figure["median"], TARGETS["list_html_ms"],
              figure["median"] <= TARGETS["list_html_ms"], "ms")  # fmt: skip
        check(f"{label} ÷ raw SQL", figure["ratio"], TARGETS["list_ratio"],
              figure["ratio"] <= TARGETS["list_ratio"], "×")  # fmt: skip
        counts = [r.figures[key]["queries"] for r in results if key in r.figures]
        check(f"{label} queries equal at every size", counts, "equal", len(set(counts)) == 1)
        # Not judged: what the ratio is made of (Django's part hardly changes with the size).
        parts = [r.figures[key]["django_ms"] for r in results if key in r.figures]
        check(f"{label} Django's part at each size, ms", parts, "none set", None, "ms")
    floors = [r.figures["floor"]["django_ms"] for r in results if "floor" in r.figures]
    if floors:
        check("signed-in page with no content, Django's part, ms", floors, "none set", None, "ms")
    if roster := largest.get("roster_save"):
        check("roster save queries", roster["queries"], TARGETS["roster_save_queries"],
              roster["queries"] <= TARGETS["roster_save_queries"])  # fmt: skip
    if dashboard := largest.get("dashboard"):
        check("dashboard median", dashboard["median"], TARGETS["dashboard_ms"],
              dashboard["median"] <= TARGETS["dashboard_ms"], "ms")  # fmt: skip
    if annual := largest.get("annual_report"):
        check("annual report build", annual["median"], TARGETS["annual_report_s"],
              annual["median"] <= TARGETS["annual_report_s"], "s")  # fmt: skip
    if imported := largest.get("import"):
        check("import", imported["rows_per_s"], TARGETS["import_rows_per_s"],
              imported["rows_per_s"] >= TARGETS["import_rows_per_s"], "rows/s")  # fmt: skip
    return checks


def table(results: list[SizeResult]) -> str:
    """The figures as a plain-text table, one column per size."""

    def cell(figures: dict, key: str) -> str:
        figure = figures.get(key)
        if not figure:
            return "not measured"
        if key == "import":
            return f"{figure['rows_per_s']:,} rows/s ({figure['median']:.2f} s)"
        queries = f"{figure['queries']} q"
        if figure.get("transaction_statements"):
            queries += f" +{figure['transaction_statements']} tx"
        if key == "annual_report":
            return f"{figure['median']:.2f} s, {queries}"
        text = f"{figure['median']:.1f} ms, {queries}"
        if "ratio" in figure:
            text += (
                f" (raw {figure['raw_sql']['median']:.1f} ms, ×{figure['ratio']:.2f};"
                f" Django {figure['django_ms']:.1f} ms)"
            )
        if key == "roster_save":
            text += f" (service {figure['service_queries']} q)"
        return text

    rows = [
        ("people list, HTML", "list_html"),
        ("people list, API", "list_api"),
        ("signed-in page, no content", "floor"),
        ("person page", "person_page"),
        (f"roster save ({ROSTER_SIZE} people)", "roster_save"),
        ("dashboard (stored report)", "dashboard"),
        ("annual report build", "annual_report"),
        (f"import {IMPORT_ROWS:,} rows", "import"),
    ]
    header = ["median of the runs"] + [f"{r.people:,} people" for r in results]
    body = [[label] + [cell(r.figures, key) for r in results] for label, key in rows]
    body.append(["list matches"] + [f"{r.figures.get('list_matches', 0):,}" for r in results])
    body.append(["seed (top-up) time"] + [r.figures.get("seed", "—") for r in results])
    body.append(
        ["cumulative report build"]
        + [
            f"{r.figures['cumulative_report']['median']:.2f} s"
            if "cumulative_report" in r.figures
            else "—"
            for r in results
        ]
    )
    labels = [label for label, *_ in Scenarios.OTHER_PAGES]
    for label in labels:
        cells = []
        for r in results:
            figure = r.figures.get("other_pages", {}).get(label)
            cells.append(
                f"{figure['median']:.1f} ms, {figure['queries']} q, {figure['bytes'] // 1024} KiB"
                if figure
                else "—"
            )
        body.append([f"other: {label}"] + cells)
    widths = [max(len(str(row[i])) for row in [header, *body]) for i in range(len(header))]
    lines = [" | ".join(str(v).ljust(w) for v, w in zip(header, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)) for row in body]
    return "\n".join(lines)


def settings_note() -> str:
    return f"DEBUG={settings.DEBUG}, database {connection.vendor}"
