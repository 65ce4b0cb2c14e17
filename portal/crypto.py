"""Authenticated encryption (Fernet) keyed from FIELD_ENCRYPTION_KEYS, newest key first."""

from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in settings.FIELD_ENCRYPTION_KEYS])


def reset_keys_cache() -> None:
    _fernet.cache_clear()


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    """A token for bytes (e.g. an uploaded file kept on disk until a task reads it)."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


def rotate(token: str) -> str:
    """Re-encrypt a token with the newest key."""
    return _fernet().rotate(token.encode()).decode()
