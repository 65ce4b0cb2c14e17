"""Model fields whose values are encrypted at rest (Fernet, keys from FIELD_ENCRYPTION_KEYS).

Raw SQL and database dumps show only ciphertext. Encrypted values cannot be searched or
sorted by the database; where a lookup is needed, store a keyed hash beside the field
(`search_hash`).
"""

import hashlib
import hmac

from django.conf import settings
from django.db import models

from portal import crypto


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name):
        # Only emptiness can be asked of ciphertext; anything else would silently match nothing.
        if lookup_name not in {"isnull", "exact", "in"}:
            raise NotImplementedError(f"Encrypted fields do not support '{lookup_name}' lookups.")
        return super().get_lookup(lookup_name)


def search_hash(value: str) -> str:
    """A keyed hash for exact-match search of an encrypted value (e.g. a phone number)."""
    if not value:
        return ""
    key = hashlib.sha256(b"portal-search-hash:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
