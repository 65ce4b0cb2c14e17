"""Recompute every person's search and matching keys (names' syllables, phone hash), in
batches: after the romanisation table or the phone rules change. Run by `make run`."""

from django.core.management.base import BaseCommand
from django.db import transaction

from people.keys import apply_derived_fields
from people.models import Person

BATCH = 2000


class Command(BaseCommand):
    help = "Recompute the matching keys of every person (only the rows whose keys changed)."

    def handle(self, *args, **options) -> None:
        fields = list(Person.DERIVED_FIELDS)
        seen = changed = last = 0
        while True:
            batch = list(
                Person.objects.filter(pk__gt=last)
                .select_related("location")
                .only("pk", "full_name", "name_my", "phone", "location__country", *fields)
                .order_by("pk")[:BATCH]
            )
            if not batch:
                break
            stale = []
            for person in batch:
                before = [getattr(person, field) for field in fields]
                apply_derived_fields(person)
                if [getattr(person, field) for field in fields] != before:
                    stale.append(person)
            with transaction.atomic():
                Person.objects.bulk_update(stale, [*fields, "phone"])
            seen, changed, last = seen + len(batch), changed + len(stale), batch[-1].pk
        self.stdout.write(f"Matching keys: {seen} people read, {changed} updated.")
