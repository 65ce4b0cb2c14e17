"""Demo data and one demo user per role. Deterministic and idempotent: run it any number of
times and the database ends in the same state.

`--people N` makes sure there are N demo people: the missing ones are added, each with an exit,
case notes and a programme history (training and attendance, assistance, safe-home stays; see
`devtools.demo.bulk`). `--people 100000` builds a large data set for benchmarks with bulk
inserts (COPY on PostgreSQL)."""

import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from devtools.demo import bulk as demo_bulk
from devtools.demo import people as demo_people
from devtools.demo import programs as demo_programs
from devtools.demo.accounts import DEMO_PASSWORD, DEMO_USERS, sign_in_lines
from devtools.demo.people import BulkWriter
from people.models import Person
from portal import services
from portal.models import Location, Pledge, PledgeAcceptance, User
from reports import services as report_services
from reports.models import ReportVersion
from reports.periods import parse

DEMO_PEOPLE = 120
# From this many people on, foreign keys are checked once at the end of the load.
LARGE = 10_000


class Command(BaseCommand):
    help = "Load demo data and one demo user per role (development only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=DEMO_PEOPLE,
            help=(
                f"How many demo people there should be (default {DEMO_PEOPLE}); missing ones "
                "are added with their programme history, existing ones are left as they are."
            ),
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when DEBUG=False (creates accounts with a known password).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates accounts with a published password; it refuses to run "
                "with DEBUG=False. Pass --allow-production on a throw-away installation only."
            )

        started = time.monotonic()
        writer = BulkWriter()
        with transaction.atomic():
            users = [self._demo_user(*row) for row in DEMO_USERS]
            # Courses and assistance types first: the programme history uses them.
            demo_programs.seed(trainer=users[2], enrolled_by=users[1])
            missing = self._missing_people(options["people"], case_worker=users[1])
            if missing >= LARGE:
                with writer.loading():
                    self._demo_people(missing, users[1], users[2], writer)
                    checking = time.monotonic()
                self.stdout.write(
                    f"Checked the foreign keys in {time.monotonic() - checking:.1f} s."
                )
            elif missing:
                self._demo_people(missing, users[1], users[2], writer)
            if missing:
                # The demo sessions enrol the first people of the site: there are new ones.
                demo_programs.seed(trainer=users[2], enrolled_by=users[1])
        if writer.rows_written:
            analysing = time.monotonic()
            writer.analyze()
            self.stdout.write(f"Vacuumed and analysed in {time.monotonic() - analysing:.1f} s.")
        self._demo_reports(approved_by=users[0])
        first, *rest = sign_in_lines()
        self.stdout.write(self.style.SUCCESS(first))
        for line in rest:
            self.stdout.write(line)
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")

    def _missing_people(self, count: int, case_worker: User) -> int:
        # Idempotent: people are added up to `count`; a second run leaves them as they are.
        present = Person.objects.filter(created_by=case_worker).count()
        if present >= count:
            self.stdout.write(f"Demo people already present ({present}).")
        return max(count - present, 0)

    def _demo_people(self, count: int, case_worker: User, trainer: User, writer) -> None:
        started = time.monotonic()
        present = Person.objects.filter(created_by=case_worker).count()
        # A different draw for each top-up, the same one for the same starting point.
        people = demo_people.create(
            count, created_by=case_worker, seed_value=1027 + present, writer=writer
        )
        self.stdout.write(
            f"Created {len(people)} demo people with exits and case notes "
            f"in {time.monotonic() - started:.1f} s."
        )
        started = time.monotonic()
        counts = demo_bulk.seed(
            people, recorded_by=case_worker, password_from=trainer, writer=writer
        )
        summary = ", ".join(
            f"{count} {apps.get_model(label)._meta.verbose_name_plural}"
            for label, count in counts.items()
        )
        self.stdout.write(
            f"Created their programme history in {time.monotonic() - started:.1f} s: {summary}."
        )

    def _demo_reports(self, approved_by: User) -> None:
        """Build the reports the scheduler would have built and release them as the demo
        admin, so that the demo analyst's dashboard has figures (in production every version
        waits for an admin's review). Only the version holding the current figures and cell
        keys is approved, when it awaits approval: a report stored before the cell keys
        existed (withheld for analysts) is thus replaced by protected figures."""
        started = time.monotonic()
        for kind, key in report_services.expected_reports():
            version = report_services.build_report(parse(kind, key))
            if version.status == ReportVersion.Status.PENDING:
                report_services.approve(version.pk, by=approved_by)
        self.stdout.write(
            "Built and released the latest monthly, annual and cumulative reports "
            f"in {time.monotonic() - started:.1f} s."
        )

    def _demo_user(self, email: str, full_name: str, role: str, site_codes: list[str]) -> User:
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
        user.full_name = full_name
        user.is_active = True
        user.save()
        services.set_role(user, role)
        services.set_sites(user, Location.objects.filter(code__in=site_codes))
        pledge = Pledge.current()
        if pledge is not None:
            PledgeAcceptance.objects.get_or_create(user=user, pledge=pledge)
        return user
