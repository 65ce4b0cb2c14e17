"""Model fields whose values are encrypted at rest (Fernet, keys from FIELD_ENCRYPTION_KEYS).

Raw SQL and database dumps show only ciphertext. Encrypted values cannot be searched or
sorted by the database; where a lookup is needed, store a keyed hash beside the field
(`search_hash`).
"""

import hashlib
import hmac
from collections.abc import Iterable, Mapping

from cryptography.fernet import InvalidToken
from django import forms
from django.conf import settings
from django.db import migrations, models

from portal import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted at rest. With `max_length` it is a short text (a note of one line, a
    reason): forms show a single-line input and refuse longer values, as for a CharField."""

    description = "Text encrypted at rest"

    def formfield(self, **kwargs):
        if self.max_length and self.choices is None:
            kwargs.setdefault("widget", forms.TextInput)
        return super().formfield(**kwargs)

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


# --- Data migrations: a column that becomes an EncryptedTextField ----------------------------


def _is_token(value: str) -> bool:
    try:
        crypto.decrypt(value)
    except InvalidToken:
        return False
    return True


def _encrypt_value(value: str) -> str:
    # Idempotent: a value that is already a token of one of our keys stays as it is.
    return value if _is_token(value) else crypto.encrypt(value)


def _decrypt_value(value: str) -> str:
    try:
        return crypto.decrypt(value)
    except InvalidToken:
        return value


def _rewrite_columns(apps, schema_editor, app_label: str, fields, transform) -> None:
    """Rewrite the non-empty values of the given columns in place, with raw SQL: the
    historical model's field would already encrypt and decrypt them (wrongly, for values
    written before the field changed)."""
    quote = schema_editor.quote_name
    connection = schema_editor.connection
    for model_name, names in fields.items():
        meta = apps.get_model(app_label, model_name)._meta
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        for name in names:
            column = quote(meta.get_field(name).column)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608  # nosec B608 - quoted names from the model
                updates = [(transform(value), key) for key, value in cursor.fetchall()]
                if updates:
                    cursor.executemany(
                        f"UPDATE {table} SET {column} = %s WHERE {pk} = %s",  # noqa: S608  # nosec B608 - quoted names from the model
                        updates,
                    )


def encrypt_existing_values(app_label: str, fields: Mapping[str, Iterable[str]]):
    """A reversible `RunPython` that encrypts the values already stored in columns that have
    just become EncryptedTextFields ({model name: [field names]}); reversed, it decrypts them
    (run before the column goes back to a CharField)."""

    def forward(apps, schema_editor) -> None:
        crypto.reset_keys_cache()
        _rewrite_columns(apps, schema_editor, app_label, fields, _encrypt_value)

    def backward(apps, schema_editor) -> None:
        crypto.reset_keys_cache()
        _rewrite_columns(apps, schema_editor, app_label, fields, _decrypt_value)

    return migrations.RunPython(forward, backward, elidable=False)
