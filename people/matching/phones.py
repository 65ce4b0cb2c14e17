"""Phone numbers as one key however they are written: E.164 with the site's country as the
default region ("0907499173" at a Thai site, "+66907499173" and "66 90 749 9173" are one)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings

# Location.country is free text: the usual ways of writing the countries of the sites.
COUNTRY_REGIONS = {
    "thailand": "TH", "th": "TH", "thai": "TH",
    "india": "IN", "in": "IN",
    "myanmar": "MM", "burma": "MM", "mm": "MM",
    "bangladesh": "BD", "malaysia": "MY", "china": "CN", "laos": "LA",
}  # fmt: skip


def region_for_country(country: str) -> str:
    """The phone region of a site's country name; `PHONE_DEFAULT_REGION` when unknown."""
    return COUNTRY_REGIONS.get((country or "").strip().casefold(), settings.PHONE_DEFAULT_REGION)


def parse(phone: str, region: str = "") -> phonenumbers.PhoneNumber | None:
    """The number, or None if it cannot be read as a possible number."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 6:
        return None
    default = region or settings.PHONE_DEFAULT_REGION
    attempts = [phone]
    # "66 90 749 9173": a country code written without its "+".
    if not phone.strip().startswith(("+", "0")):
        attempts.append("+" + digits)
    numbers = []
    for attempt in attempts:
        try:
            numbers.append(phonenumbers.parse(attempt, default))
        except phonenumbers.NumberParseException:
            continue
    # A valid number (a real range of the country) first, else one of a possible length.
    for check in (phonenumbers.is_valid_number, phonenumbers.is_possible_number):
        for number in numbers:
            if check(number):
                return number
    return None


def is_readable(phone: str, region: str = "") -> bool:
    return parse(phone, region) is not None


def phone_key(phone: str, region: str = "") -> str:
    """E.164 ("+66907499173") when the number can be read, else its digits only."""
    number = parse(phone, region)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return "".join(ch for ch in phone or "" if ch.isdigit())
