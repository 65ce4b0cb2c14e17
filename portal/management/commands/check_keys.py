"""Can every encrypted value be read with the configured keys? Run before removing an old key.

`python manage.py check_keys [--strict]` reads every column of every `EncryptedTextField`
(found by introspection of all models) and the MFA secrets, as stored, and tells per column
how many values are under the newest key, under each older key, and unreadable (with the
ids of those rows). It never prints a value. Exit status 1 when something cannot be read;
with `--strict` also when a value is still under an older key (remove that key only after
`rotate_keys` and a clean run of this command).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import F, TextField
from django.db.models.functions import Cast

from portal.fields import EncryptedTextField

UNREADABLE = "unreadable"
SHOWN_IDS = 20


def fingerprint(key: str) -> str:
    """A short, one-way name for a key, to tell keys apart without showing them."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


class KeyRing:
    """The configured keys, newest first; names the one a token was encrypted with."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = list(keys)
        self.fernets = [Fernet(key.encode()) for key in self.keys]

    def key_of(self, token: str | bytes) -> int | None:
        """The position (0 = newest) of the key that opens `token`, or None."""
        data = token.encode() if isinstance(token, str) else token
        for position, fernet in enumerate(self.fernets):
            try:
                fernet.decrypt(data)
            except InvalidToken:
                continue
            return position
        return None


class Command(BaseCommand):
    help = "Tell whether every encrypted value can be read with FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--strict",
            action="store_true",
            help="also exit non-zero when a value is still under an older key",
        )

    def handle(self, *args, **options) -> None:
        ring = KeyRing(settings.FIELD_ENCRYPTION_KEYS)
        self.stdout.write("Keys (newest first):")
        for position, key in enumerate(ring.keys):
            self.stdout.write(f"  #{position + 1} {fingerprint(key)}")
        totals: Counter = Counter()
        for label, rows in self._columns():
            counts, unreadable = self._check(ring, rows)
            totals.update(counts)
            self._report(label, counts, unreadable, len(ring.keys))
        old = sum(count for key, count in totals.items() if key not in (0, UNREADABLE))
        if totals[UNREADABLE]:
            self.stderr.write(
                self.style.ERROR(
                    f"{totals[UNREADABLE]} encrypted values cannot be read with the configured "
                    "keys: put back the key they were encrypted with (from the key backup)."
                )
            )
            raise SystemExit(1)
        if old:
            message = (
                f"{old} values are still under an older key: run `python manage.py "
                "rotate_keys`, then this check again, before removing it."
            )
            if options["strict"]:
                self.stderr.write(self.style.ERROR(message))
                raise SystemExit(1)
            self.stdout.write(self.style.WARNING(message))
            return
        self.stdout.write(self.style.SUCCESS("Every encrypted value is under the newest key."))

    def _columns(self):
        """(label, rows of (pk, stored token)) for each encrypted column and the MFA secrets."""
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, EncryptedTextField):
                    # Cast to a plain text: the stored token, not the field's decryption.
                    rows = (
                        model._default_manager.exclude(**{field.name: ""})
                        .exclude(**{f"{field.name}__isnull": True})
                        .annotate(token=Cast(F(field.name), output_field=TextField()))
                        .order_by("pk")
                        .values_list("pk", "token")
                        .iterator(chunk_size=2000)
                    )
                    yield f"{model._meta.label}.{field.name}", rows
        secrets = (
            (pk, data.get("secret"))
            for pk, data in Authenticator.objects.filter(type=Authenticator.Type.TOTP)
            .order_by("pk")
            .values_list("pk", "data")
            .iterator(chunk_size=2000)
            if data.get("secret")
        )
        yield "MFA secrets (allauth Authenticator.data.secret)", secrets

    def _check(self, ring: KeyRing, rows) -> tuple[Counter, list]:
        counts: Counter = Counter()
        unreadable = []
        for pk, token in rows:
            position = ring.key_of(token)
            if position is None:
                counts[UNREADABLE] += 1
                unreadable.append(pk)
            else:
                counts[position] += 1
        return counts, unreadable

    def _report(self, label: str, counts: Counter, unreadable: list, key_count: int) -> None:
        total = sum(counts.values())
        parts = [f"{counts[0]} under the newest key"]
        parts += [
            f"{counts[position]} under key #{position + 1}"
            for position in range(1, key_count)
            if counts[position]
        ]
        if counts[UNREADABLE]:
            shown = ", ".join(str(pk) for pk in unreadable[:SHOWN_IDS])
            more = f" and {len(unreadable) - SHOWN_IDS} more" if len(unreadable) > SHOWN_IDS else ""
            parts.append(f"{counts[UNREADABLE]} UNREADABLE (ids {shown}{more})")
        line = f"{label}: {total} values; " + ", ".join(parts)
        self.stdout.write(self.style.ERROR(line) if counts[UNREADABLE] else line)
