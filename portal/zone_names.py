"""Time zone names a site may have (a leaf module: the `Location` model uses it)."""

from functools import cache
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone name, sorted, for the site form's select."""
    return [(name, name) for name in sorted(_zone_names())]


def validate_time_zone(value: str) -> None:
    if value not in _zone_names():
        raise ValidationError(
            _("%(value)s is not a time zone name (e.g. Asia/Bangkok)."),
            code="invalid_time_zone",
            params={"value": value},
        )


def default_site_zone() -> str:
    """A new site's zone until an admin chooses one: the server's (`TIME_ZONE`)."""
    return settings.TIME_ZONE
