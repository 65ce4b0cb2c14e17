"""Optimistic locking, shared by every app's services, the screens and the API (which answers
412 Precondition Failed for it)."""

from __future__ import annotations

from typing import Any


class StaleEditError(Exception):
    """The record changed since the form was opened. `changes` lists, by field label, the
    fields where the saved record differs from what this user submitted: [theirs, saved]."""

    def __init__(self, changes: dict[str, list[Any]]):
        super().__init__("The record was changed by someone else.")
        self.changes = changes
