"""`manage.py import_people FILE --user EMAIL [--dry-run] [--skip LINES] [--new LINES]`: the
command-line side of the people import (see `people.importing`). Lines with likely
duplicates are listed, and nothing is saved, until each is given to --skip or --new."""

import hashlib
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
        parser.add_argument(
            "--skip",
            default="",
            metavar="LINES",
            help="Lines with likely duplicates not to import, comma-separated (e.g. 4,17).",
        )
        parser.add_argument(
            "--new",
            default="",
            metavar="LINES",
            help="Lines with likely duplicates to import as new people, comma-separated.",
        )

    def handle(
        self, *args, file: Path, user: str, dry_run: bool, skip: str, new: str, **options
    ) -> None:
        importer = self._user(user)
        decisions = {line: "skip" for line in self._lines(skip, "--skip")}
        decisions.update({line: "new" for line in self._lines(new, "--new")})
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
                data,
                filename=file.name,
                user=importer,
                dry_run=dry_run,
                progress=self._progress,
                decisions=decisions,
                # The lines named here are this file's.
                decided_for=hashlib.sha256(data).hexdigest(),
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
        if report.undecided_lines:
            raise CommandError("\n".join(self._duplicates(report)))
        self._summary(report)

    @staticmethod
    def _lines(text: str, option: str) -> list[int]:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if not all(part.isdigit() for part in parts):
            raise CommandError(f"{option} takes line numbers separated by commas, e.g. 4,17.")
        return [int(part) for part in parts]

    @staticmethod
    def _duplicates(report: importing.ImportReport) -> list[str]:
        """Case numbers, scores and line numbers only (reasons may quote a syllable of a
        name): the output may be logged. The upload page shows the reasons."""
        lines = [
            "Nothing was imported: lines with likely duplicates need a decision "
            "(--skip LINES or --new LINES)."
        ]
        for entry in report.duplicates:
            found = [
                candidate["case_number"]
                + (" (restricted)" if candidate["restricted"] else f" ({candidate['score']:.1f})")
                for candidate in entry.candidates
            ]
            if entry.other_sites:
                found.append("a possible match at another site (an admin will review it)")
            if entry.in_file:
                found.append("line " + ", ".join(str(line) for line in entry.in_file))
            decided = f" [{entry.decision}]" if entry.decision else ""
            lines.append(f"  line {entry.line}{decided}: " + "; ".join(found))
        return lines

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
