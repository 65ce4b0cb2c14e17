"""Demo data and one demo user per role. Deterministic and idempotent: run it any number of
times and the database ends in the same state."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import services
from portal.models import Location, Pledge, PledgeAcceptance, User
from portal.roles import Role

DEMO_PEOPLE = 120
DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - printed on purpose; refused in production
DEMO_USERS = [
    ("admin@demo.example", "Demo Admin", Role.ADMIN, []),
    ("caseworker@demo.example", "Demo Case Worker", Role.CASE_WORKER, ["MAE-SOT"]),
    ("trainer@demo.example", "Demo Trainer", Role.TRAINER, ["MAE-SOT"]),
    ("analyst@demo.example", "Demo Analyst", Role.ANALYST, []),
]


class Command(BaseCommand):
    help = "Load demo data and one demo user per role (development only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--people",
            type=int,
            default=DEMO_PEOPLE,
            help=f"How many demo people to create when none exist yet (default {DEMO_PEOPLE}).",
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
        with transaction.atomic():
            users = [self._demo_user(*row) for row in DEMO_USERS]
        self._demo_people(options["people"], case_worker=users[1])
        from programs import demo as programs_demo

        programs_demo.seed(trainer=users[2], enrolled_by=users[1])
        self._demo_reports()
        self.stdout.write(self.style.SUCCESS(f"Demo users (password for all: {DEMO_PASSWORD})"))
        for user in users:
            self.stdout.write(f"  {user.get_role_display():<12} {user.email}")
        self.stdout.write(
            "Admins and case workers set up a TOTP authenticator app at their first sign-in."
        )

    def _demo_people(self, count: int, case_worker: User) -> None:
        from people import demo
        from people.models import Person

        # Idempotent: people are created once; a second run leaves them as they are.
        if Person.objects.filter(created_by=case_worker).exists():
            self.stdout.write("Demo people already present.")
            return
        created = demo.seed(count, created_by=case_worker)
        self.stdout.write(f"Created {created} demo people with exits.")

    def _demo_reports(self) -> None:
        """Build the reports the scheduler would have built, so the dashboard has figures."""
        from reports import services
        from reports.periods import parse

        for kind, key in services.expected_reports():
            services.build_report(parse(kind, key))
        self.stdout.write("Built the latest monthly, annual and cumulative reports.")

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
