"""Verify the audit log's hash chain: `python manage.py verify_audit [--expect ROW:HASH ...]`.

Walks every row in chain order, names the first broken link (row id and what is wrong:
changed content, missing row, inserted row, or rewritten since an earlier check) and exits
with status 1 when the chain is broken. The result is stored for the audit screen. Give the
heads e-mailed by the daily task with `--expect` to detect a chain recomputed from scratch.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import audit_integrity


def _anchor(value: str) -> tuple[int, str]:
    row, _, digest = value.partition(":")
    if not row.strip().isdigit() or len(digest.strip()) != 64:
        raise CommandError(f"--expect takes ROW:HASH (a row id and a 64-character hash): {value!r}")
    return int(row), digest.strip().lower()


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and name the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect",
            action="append",
            default=[],
            metavar="ROW:HASH",
            help="a chain head known from outside (the daily e-mail); repeatable",
        )

    def handle(self, *args, **options) -> None:
        expect = dict(_anchor(value) for value in options["expect"])
        check = audit_integrity.check_chain(expect)
        if check.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain intact: {check.rows} rows verified, head row "
                    f"{check.last_row_id or '—'} hash {check.last_hash or '—'} "
                    f"({check.seconds:.1f} s)."
                )
            )
            return
        self.stderr.write(
            self.style.ERROR(
                f"Audit chain BROKEN at row {check.broken_row_id or '—'}: "
                f"{check.get_problem_display()}. {check.detail}\n"
                f"Verified before it: {check.rows} rows, up to row {check.last_row_id or '—'}."
            )
        )
        raise SystemExit(1)
