"""Re-encrypt every encrypted field (and MFA secret) with the newest key.

Rotation: put a new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), deploy,
run `python manage.py rotate_keys`, then remove the old keys. Also recomputes the search
hashes (after a SECRET_KEY change).
"""

from allauth.mfa.models import Authenticator
from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from portal import crypto
from portal.fields import EncryptedTextField

BATCH = 1000


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields and MFA secrets with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args, **options) -> None:
        crypto.reset_keys_cache()
        for model in apps.get_models():
            fields = [
                f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)
            ]
            if fields:
                count = self._rotate_model(model, fields)
                self.stdout.write(
                    f"{model._meta.label}: {count} rows re-encrypted ({', '.join(fields)})"
                )
        self.stdout.write(f"MFA secrets: {self._rotate_authenticators()} re-encrypted")
        self.stdout.write(self.style.SUCCESS("Done. The old keys can now be removed."))

    def _rotate_model(self, model, fields: list[str]) -> int:
        # A model may keep fields derived from others (e.g. search hashes that depend on
        # SECRET_KEY): it names them in DERIVED_FIELDS and recomputes them itself.
        derived = list(getattr(model, "DERIVED_FIELDS", ()))
        sources = list(getattr(model, "DERIVED_FROM", ()))
        done = 0
        with transaction.atomic():
            batch = []
            for obj in model._default_manager.only("pk", *fields, *sources).iterator(
                chunk_size=BATCH
            ):
                if derived:
                    obj.refresh_derived_fields()
                batch.append(obj)
                if len(batch) >= BATCH:
                    model._default_manager.bulk_update(batch, fields + derived)
                    done += len(batch)
                    batch = []
            if batch:
                model._default_manager.bulk_update(batch, fields + derived)
                done += len(batch)
        return done

    def _rotate_authenticators(self) -> int:
        count = 0
        with transaction.atomic():
            for authenticator in Authenticator.objects.filter(
                type=Authenticator.Type.TOTP
            ).iterator():
                secret = authenticator.data.get("secret")
                if secret:
                    authenticator.data["secret"] = crypto.rotate(secret)
                    authenticator.save(update_fields=["data"])
                    count += 1
        return count
