"""`manage.py import_people FILE --user EMAIL [--dry-run]`: the command-line side of the
people import (see `people.importing`)."""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from people import importing
from portal.models import User


class Command(BaseCommand):
    help = (
        "Import people from a CSV (UTF-8) or XLSX file. Every row must be valid, or nothing "
        "is imported; --dry-run only checks the file."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The CSV or XLSX file.")
        parser.add_argument(
            "--user",
            required=True,
            metavar="EMAIL",
            help="The importing user: their sites limit where people go; they author notes.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Check the file, save nothing.")

    def handle(self, *args, file: Path, user: str, dry_run: bool, **options) -> None:
        importer = self._user(user)
        limit = settings.IMPORT_MAX_FILE_BYTES
        try:
            # Refused before it is read: the file is held in memory whole.
            if file.stat().st_size > limit:
                raise CommandError(f"{file} is larger than the limit of {limit} bytes.")
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            report = importing.import_people(
                data, filename=file.name, user=importer, dry_run=dry_run, progress=self._progress
            )
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        if not report.ok:
            lines = [
                f"Nothing was imported: {report.error_count} error(s) in {report.rows_read} row(s)."
            ]
            lines += [f"  {error}" for error in report.errors]
            if report.errors_left_out:
                lines.append(f"  … and {report.errors_left_out} more error(s), not listed.")
            # A CommandError: the report and a non-zero exit status, never a traceback.
            raise CommandError("\n".join(lines))
        self._summary(report)

    @staticmethod
    def _user(email: str) -> User:
        try:
            return User.objects.get(email__iexact=email.strip(), is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user with the e-mail address {email}.") from None

    def _progress(self, rows_done: int, rows_total: int, *, saving: bool = False) -> None:
        # Progress goes to stderr so that the report on stdout can be piped or saved.
        if saving:
            message = f"Saving {rows_done} people…"
        elif rows_total:
            message = f"{rows_done} of {rows_total} rows checked…"
        else:
            message = f"{rows_done} rows checked…"
        self.stderr.write(message, style_func=lambda text: text)

    def _summary(self, report: importing.ImportReport) -> None:
        counts = (
            f"{report.people_created} people, {report.exits_created} exit(s) and "
            f"{report.notes_created} case note(s)"
        )
        self.stdout.write(f"{report.rows_read} row(s) checked, no errors.")
        if report.dry_run:
            self.stdout.write(f"Dry run: nothing was saved. The file would create {counts}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {counts}."))
        if report.zawgyi_conversions:
            self.stdout.write(
                f"{report.zawgyi_conversions} value(s) typed in Zawgyi were converted to Unicode."
            )
