"""Speed measurements for `manage.py bench` (see docs/performance.md).

Each scenario runs in this process through Django's test client (the whole middleware stack,
no network) against the configured database, as the demo users of `seed_demo`: the case
worker (people list, a signed-in page with no content, person page, import), the trainer
(roster save) and the admin (dashboard, the peer admin's change list). Times are medians
over repeated runs after warm-up runs; query counts are taken from one extra run. The import
job and the export job run in child processes of their own (`devtools.bench.memory`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from rest_framework.throttling import UserRateThrottle

from devtools.bench import matching
from devtools.bench.fixtures import (
    IMPORT_ROWS,
    LIST_FILTERS,
    PAGE_SIZE,
    Actors,
    bench_session,
    client_for,
    demo_actors,
    import_csv,
    list_matches,
)
from devtools.bench.measuring import (
    count_calls,
    count_queries,
    measure,
    measure_alternately,
    real_queries,
    run_raw,
)
from devtools.bench.memory import MEMORY_ROWS, MINIMAL_ROWS, export_peak_rss, import_peak_rss
from devtools.bench.peer_admin import peer_changelist_path, peer_query
from devtools.bench.urls import FLOOR_PATH
from devtools.demo.people import BulkWriter
from people import importing
from people.models import Person
from programs.services import save_attendance
from reports import services as report_services
from reports.models import Report
from reports.periods import parse, previous_month


@dataclass
class SizeResult:
    people: int
    figures: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Scenarios:
    def __init__(self, runs: int, warmups: int, heavy_runs: int, log: Callable[[str], None]):
        self.runs, self.warmups, self.heavy_runs = runs, warmups, heavy_runs
        self.log = log

    def run_all(self, people: int, only: set[str] | None = None) -> SizeResult:
        result = SizeResult(people)
        actors = demo_actors()
        # The same starting state for every size and every run of the command: no dead rows
        # left by earlier imports (rolled back), fresh statistics.
        BulkWriter().analyze()
        steps = [
            ("people list (HTML)", self.list_html),
            ("people list (API)", self.list_api),
            ("peer admin list", self.peer_admin),
            ("signed-in page with no content", self.floor),
            ("person page", self.person_page),
            ("roster save", self.roster_save),
            ("dashboard", self.dashboard),
            ("annual report", self.annual_report),
            ("other pages", self.other_pages),
            ("candidate lookup for one intake", self.candidate_lookup),
            ("import", self.import_people),
            ("import memory (child process)", self.import_memory),
            ("export (child process)", self.export),
        ]
        for label, step in steps:
            if only and label not in only:
                continue
            self.log(f"  {label}…")
            step(actors, result)
        return result

    # People list -------------------------------------------------------------------------

    def _against_raw_sql(
        self,
        client: Client,
        url: str,
        data: dict | None,
        key: str,
        result: SizeResult,
        *,
        json_body: bool = False,
    ) -> None:
        """The request, its SQL run raw, their ratio and Django's part (the difference).
        With `json_body`, `data` is POSTed as JSON (the API's search keeps terms out of URLs)."""

        def get():
            if json_body:
                response = client.post(url, data, content_type="application/json")
            else:
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
            "python_calls": count_calls(get),
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
        # The API's per-user rate limit counts the requests of earlier runs within the hour:
        # start from none, or a second run would measure 429 answers.
        cache.delete(
            UserRateThrottle().cache_format % {"scope": "user", "ident": actors.case_worker.pk}
        )
        # The API searches with the terms in a JSON body (POST /api/v1/people/search/).
        try:
            url = reverse("api:person-search")
        except NoReverseMatch:
            result.notes.append("people API search not present: not measured")
            return
        client = client_for(actors.case_worker)
        data = {**LIST_FILTERS, "page_size": PAGE_SIZE}
        if client.post(url, data, content_type="application/json").status_code != 200:
            result.notes.append("people API search did not answer 200: not measured")
            return
        self._against_raw_sql(client, url, data, "list_api", result, json_body=True)

    def peer_admin(self, actors: Actors, result: SizeResult) -> None:
        """The same search through the change list of a plain `ModelAdmin` (the peer a quick
        build would give, `devtools.bench.peer_admin`), as the demo admin (a superuser: the
        admin has no sites, it lists every person)."""
        client = client_for(actors.admin)
        with override_settings(ROOT_URLCONF="devtools.bench.urls"):
            self._against_raw_sql(
                client, peer_changelist_path(), peer_query(), "peer_admin", result
            )

    def floor(self, actors: Actors, result: SizeResult) -> None:
        """A signed-in page with no content of its own, as the list's case worker: what any
        page costs Django beyond its SQL, whatever the size of the data."""
        client = client_for(actors.case_worker)
        with override_settings(ROOT_URLCONF="devtools.bench.urls"):
            self._against_raw_sql(client, FLOOR_PATH, None, "floor", result)

    # Candidate lookup (issue 21) -----------------------------------------------------------

    def candidate_lookup(self, actors: Actors, result: SizeResult) -> None:
        described = matching.intakes()
        if not described:
            result.notes.append("no people: candidate lookup not measured")
            return
        action, found_share = matching.lookup_action(described)
        queries = count_queries(action)
        timing = measure(action, max(self.runs, len(described)), self.warmups)
        result.figures["candidate_lookup"] = {
            **timing.as_dict(),
            **queries.as_dict(),
            "found_own_person": round(found_share(), 3),
        }

    # Person page -------------------------------------------------------------------------

    def person_page(self, actors: Actors, result: SizeResult) -> None:
        # The same person at every size: the first of the site with training and assistance.
        person = (
            Person.objects.current()
            .filter(location__code="MAE-SOT")
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
            lambda: save_attendance(by=actors.trainer, session=session, marks=marks)
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
        period = parse("annual", str(timezone.localdate().year - 1))
        queries = count_queries(lambda: report_services.build_report(period))
        timing = measure(lambda: report_services.build_report(period), self.heavy_runs, 1)
        result.figures["annual_report"] = {
            **timing.as_dict(unit=1.0),
            **queries.as_dict(),
            "unit": "s",
            "period": period.key,
        }

    def cumulative_report(self, period) -> dict:
        timing = measure(lambda: report_services.build_report(period), self.heavy_runs, 1)
        return {**timing.as_dict(unit=1.0), "unit": "s", "period": period.key}

    # Other list pages, without targets: how they grow with the data --------------------------

    OTHER_PAGES = [
        ("people list, no filter", "case_worker", "people:list", {}),
        ("possible duplicates", "admin", "people:duplicates", {}),
        ("training sessions", "case_worker", "programs:session_list", {}),
        ("enrol page (bench session)", "case_worker", "programs:session_enrol", {"session": 1}),
        ("assistance list", "case_worker", "programs:distribution_list", {}),
        ("safe homes", "case_worker", "programs:occupancy", {}),
        ("audit log", "admin", "portal:audit_list", {}),
        ("home (case worker)", "case_worker", "home", {}),
    ]

    def other_pages(self, actors: Actors, result: SizeResult) -> None:
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
        data = import_csv()

        def run():
            # Saved in a transaction that is rolled back: the data set stays as it was.
            with transaction.atomic():
                # Its generated names repeat (in the file and in the data set): every line
                # with a likely duplicate is imported as new, as decided on a first report.
                report = importing.import_people(
                    data,
                    filename="bench.csv",
                    user=actors.case_worker,
                    all_new=True,
                    decided_for=hashlib.sha256(data).hexdigest(),
                )
                assert report.saved, report.errors[:3]  # noqa: S101
                transaction.set_rollback(True)

        timing = measure(run, self.heavy_runs, 1)
        result.figures["import"] = {
            **timing.as_dict(unit=1.0),
            "unit": "s",
            "rows": IMPORT_ROWS,
            "rows_per_s": round(IMPORT_ROWS / timing.median),
        }

    def import_memory(self, actors: Actors, result: SizeResult) -> None:
        """Time and peak RSS of a fresh process running the worker's import job on the
        100,000-row file (issue 23's import target), then peak RSS on the most rows allowed
        with only a name and a site (see `devtools.bench.memory`): a worker must take any file
        within the upload limit."""
        for key, rows, minimal in (
            ("import_memory", MEMORY_ROWS, False),
            ("import_memory_minimal", MINIMAL_ROWS, True),
        ):
            figures = import_peak_rss(rows, actors.case_worker.email, minimal=minimal)
            if "error" in figures:
                result.notes.append(f"import memory not measured ({key}): {figures['error']}")
                continue
            result.figures[key] = figures

    # Export ------------------------------------------------------------------------------

    def export(self, actors: Actors, result: SizeResult) -> None:
        """Every current person to the encrypted ZIP, as the demo admin, in a fresh process
        (`devtools.bench.memory.export_peak_rss`): peak RSS and rows per second."""
        figures = export_peak_rss(actors.admin.email)
        if "error" in figures:
            result.notes.append(f"export not measured: {figures['error']}")
            return
        result.figures["export"] = figures
