"""Phone numbers: parse any format (+86, spaces, dashes, 0086, landline with area code),
validate, and normalise to E.164 with the `phonenumbers` library. Pure functions."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext as _


class InvalidPhone(ValueError):
    """The text is not a valid phone number."""


def normalise(raw: str, region: str | None = None) -> tuple[str, str]:
    """(E.164, national significant number) of a valid phone number; InvalidPhone else.
    Numbers without a country code are read in `region` (settings.AFTERSALES_PHONE_REGION,
    CN by default)."""
    region = region or settings.AFTERSALES_PHONE_REGION
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(
            _("“%(value)s” is not a phone number.") % {"value": raw}
        ) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(
            _("“%(value)s” is not a valid phone number.") % {"value": raw}
        )
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, str(parsed.national_number)


def kind_of(e164: str) -> str:
    """ "mobile", "fixed" or "other"."""
    number_type = phonenumbers.number_type(phonenumbers.parse(e164))
    if number_type in {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    }:
        return "mobile"
    if number_type == phonenumbers.PhoneNumberType.FIXED_LINE:
        return "fixed"
    return "other"


def display(e164: str) -> str:
    """The number in international format with spaces (+86 138 0013 8000)."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


def digits_of(text: str) -> str:
    """Only the digits of a search text (for partial number search)."""
    return re.sub(r"\D", "", text or "")
