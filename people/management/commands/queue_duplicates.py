"""`manage.py queue_duplicates [--limit N]`: queue for the admins' review the suspected
duplicates among the records already there (same name key, Burmese name key or phone), e.g.
once after the upgrade that added the review queue. New and changed records are queued as
they are saved (`people.review_queue`). Idempotent: a pair is queued once."""

from django.core.management.base import BaseCommand

from people import review_queue


class Command(BaseCommand):
    help = "Queue the suspected duplicates among existing records for the admins' review."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--limit", type=int, default=100_000, help="At most this many pairs (default 100000)."
        )

    def handle(self, *args, limit: int, **options) -> None:
        queued = review_queue.backfill(limit=limit)
        # Counts only: never a name or a case number in the output (it may be logged).
        self.stdout.write(f"{queued} new pair(s) queued for review.")
