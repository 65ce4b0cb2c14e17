"""`manage.py bench`: seed demo data up to each size and measure the portal's speed there.

Prints a table and writes var/bench.json. Run it on a throw-away database (`make bench` with
DATABASE_URL pointing at one): it adds demo people, saves rosters and writes audit rows.
See docs/performance.md for the method and the figures.
"""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.utils import timezone

from devtools.bench import calibration, report
from devtools.bench.fixtures import LIST_FILTERS, PAGE_SIZE
from devtools.bench.scenarios import Scenarios
from people.models import Person
from portal.models import User


def sizes(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError("--sizes takes numbers separated by commas, e.g. 1000,100000") from None
    if not values or values != sorted(values) or values[0] < 1:
        raise CommandError("--sizes must be increasing positive numbers, e.g. 1000,100000")
    return values


class Command(BaseCommand):
    help = (
        "Seed demo data up to each size and measure list, page, save, report, import and "
        "export times against issue 23's targets."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--sizes",
            default="1000,100000,1000000",
            help="Numbers of people (increasing), e.g. 1000,100000.",
        )
        parser.add_argument("--runs", type=int, default=15, help="Measured runs per figure.")
        parser.add_argument("--warmups", type=int, default=2, help="Warm-up runs per figure.")
        parser.add_argument(
            "--heavy-runs",
            type=int,
            default=5,
            help="Measured runs of the annual and cumulative reports and of the in-process "
            "import (one warm-up each).",
        )
        parser.add_argument(
            "--only",
            default="",
            help='Steps to measure, comma separated (e.g. "candidate lookup for one intake"); '
            "all by default.",
        )
        parser.add_argument(
            "--output", default=str(settings.VAR_DIR / "bench.json"), help="JSON file to write."
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("bench seeds demo accounts: run it with DEBUG=True (make bench).")

        wanted = sizes(options["sizes"])
        scenarios = Scenarios(options["runs"], options["warmups"], options["heavy_runs"], self._log)
        machine = calibration.machine()
        self._log(
            f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['database']}, "
            f"load average {' '.join(map(str, machine['load_average']))}"
        )
        calibration_runs = {"start": self._calibrate()}
        results = []
        for size in wanted:
            seeded = User.objects.filter(email="caseworker@demo.example").first()
            present = Person.objects.filter(created_by=seeded).count() if seeded else 0
            if present > size:
                self._log(
                    f"Skipping {size:,} people: the database already holds {present:,} demo "
                    "people (use a fresh database to measure this size)."
                )
                continue
            self._log(f"Seeding up to {size:,} people…")
            started = time.monotonic()
            call_command("seed_demo", people=size, stdout=io.StringIO())
            seed_seconds = time.monotonic() - started
            self._log(f"  done in {seed_seconds:.1f} s; measuring…")
            # Measured as in production: no DEBUG (no query log, no template debug data).
            with override_settings(
                DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]
            ):
                only = {part.strip() for part in options["only"].split(",") if part.strip()}
                result = scenarios.run_all(Person.objects.count(), only or None)
            if present < size:
                result.figures["seed"] = f"{seed_seconds:.1f} s"
                result.figures["seed_s"] = round(seed_seconds, 1)
            else:
                result.figures["seed"] = "—"
            results.append(result)
            for note in result.notes:
                self._log(f"  note: {note}")

        calibration_runs["end"] = self._calibrate()
        checks = report.verdicts(results)
        self.stdout.write("")
        self.stdout.write(report.table(results))
        self.stdout.write("")
        for check in checks:
            mark = {True: "met", False: "MISSED", None: "—"}[check["met"]]
            value = check.get("value", "")
            limit = check.get("limit", "")
            self.stdout.write(f"  [{mark:>6}] {check['target']}: {value} (target {limit})")
        output = Path(options["output"])
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(
            json.dumps(
                {
                    "generated_at": timezone.now().isoformat(),
                    "machine": machine,
                    "load_average_at_end": [round(value, 2) for value in os.getloadavg()],
                    "calibration": calibration_runs,
                    "method": {
                        "runs": options["runs"],
                        "warmups": options["warmups"],
                        "heavy_runs": options["heavy_runs"],
                        "list_filters": LIST_FILTERS,
                        "page_size": PAGE_SIZE,
                        "times": "milliseconds unless unit is s",
                    },
                    "sizes": [
                        {"people": r.people, "figures": r.figures, "notes": r.notes}
                        for r in results
                    ],
                    "targets": checks,
                },
                indent=2,
                default=str,
            )
            + "\n"
        )
        self.stdout.write(f"\nWrote {output}")

    def _log(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()

    def _calibrate(self) -> dict:
        figures = calibration.calibration()
        self._log(
            f"Calibration: Python workload {figures['python_ms']:.1f} ms, "
            f"SQL workload {figures['sql_ms']:.1f} ms"
        )
        return figures
