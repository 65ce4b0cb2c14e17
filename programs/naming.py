"""Names of reference data in the page's language (issue 22): courses and assistance types
have an optional Burmese name, shown on Burmese pages; the English name is the fallback."""

from django.utils.translation import get_language

BURMESE = "my"


def in_active_language(name: str, name_my: str) -> str:
    """`name_my` while Burmese is active and it is filled in, else `name`."""
    language = (get_language() or "").split("-")[0]
    return name_my if language == BURMESE and name_my else name
