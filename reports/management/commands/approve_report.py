from django.core.management.base import BaseCommand, CommandError

from portal.models import User
from portal.roles import Role
from reports import services
from reports.models import ReportVersion
from reports.periods import KINDS, PeriodError, parse


class Command(BaseCommand):
    help = (
        "Approve (release) the version of a report that awaits approval, as an admin: the "
        "same rule and audit row as the review screen."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument(
            "period", nargs="?", default="", help="YYYY-MM (monthly) or YYYY (annual)"
        )
        parser.add_argument("--user", required=True, help="E-mail of the approving admin.")
        parser.add_argument(
            "--number",
            type=int,
            dest="number",
            help="The version to approve (default: the one awaiting approval).",
        )

    def handle(self, *args, kind: str, period: str, user: str, number: int | None, **options):
        try:
            parsed = parse(kind, period)
        except PeriodError as error:
            raise CommandError(str(error)) from error
        admin = User.objects.filter(email__iexact=user, is_active=True, role=Role.ADMIN).first()
        if admin is None:
            raise CommandError(f"No active admin with the e-mail {user}.")
        versions = ReportVersion.objects.filter(report__kind=kind, report__period=parsed.key)
        if number is None:
            versions = versions.filter(status=ReportVersion.Status.PENDING)
        else:
            versions = versions.filter(number=number)
        version = versions.only("pk", "number").first()
        if version is None:
            raise CommandError(
                f"{kind} {parsed.key} has no version awaiting approval."
                if number is None
                else f"{kind} {parsed.key} has no version {number}."
            )
        try:
            services.approve(version.pk, by=admin)
        except services.ApprovalRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        self.stdout.write(
            self.style.SUCCESS(f"Released {kind} {parsed.key} version {version.number}.")
        )
