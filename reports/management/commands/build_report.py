import json

from django.core.management.base import BaseCommand, CommandError

from reports import disclosure, services
from reports.periods import KINDS, PeriodError, parse


class Command(BaseCommand):
    help = (
        "Build a report now, through the same code as the scheduled task. Changed figures "
        "make a new version awaiting approval (see approve_report); unchanged figures none."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument(
            "period", nargs="?", default="", help="YYYY-MM (monthly) or YYYY (annual)"
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Print the stored figures (exact, without the cell keys).",
        )

    def handle(self, *args, kind: str, period: str, **options) -> None:
        try:
            parsed = parse(kind, period)
        except PeriodError as error:
            raise CommandError(str(error)) from error
        version = services.build_report(parsed)
        if options["json"]:
            figures = disclosure.without_keys(version.data)  # the cell keys never leave
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2, sort_keys=True))
            return
        if version.created:
            total = version.data["exits"]["total"]["total"]
            self.stdout.write(
                self.style.SUCCESS(
                    f"Built {kind} {parsed.key}: version {version.number} awaits approval "
                    f"({total} exits; checksum {version.checksum[:12]})."
                )
            )
        else:
            self.stdout.write(
                f"Built {kind} {parsed.key}: figures unchanged, no new version "
                f"(version {version.number}, {version.get_status_display().lower()})."
            )
