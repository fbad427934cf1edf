"""Phone numbers (customers/phones.py): any format a caller gives (+86, spaces, dashes,
0086, a landline with its area code) normalised to E.164; invalid text refused. Pure."""

from __future__ import annotations

import pytest

from customers.phones import (
    InvalidPhone,
    digits_of,
    display,
    kind_of,
    normalise,
)


@pytest.mark.parametrize(
    ("raw", "e164", "national"),
    [
        ("+86 138 0013 8000", "+8613800138000", "13800138000"),
        ("138-0013-8000", "+8613800138000", "13800138000"),
        ("0086 13800138000", "+8613800138000", "13800138000"),
        ("13800138000", "+8613800138000", "13800138000"),
        ("  +86-138-0013-8000  ", "+8613800138000", "13800138000"),
        ("(021) 6432 1234", "+862164321234", "2164321234"),  # Shanghai landline
        ("021-64321234", "+862164321234", "2164321234"),
        ("+86 21 6432 1234", "+862164321234", "2164321234"),
        ("+852 9123 4567", "+85291234567", "91234567"),  # Hong Kong mobile
    ],
)
def test_normalise_accepts_every_format_and_gives_e164(raw, e164, national):
    assert normalise(raw) == (e164, national)


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "hello", "12345", "138 0013 800", "+86 138 0013 80000", "0086", "+"],
)
def test_normalise_refuses_what_is_not_a_valid_number(raw):
    with pytest.raises(InvalidPhone) as caught:
        normalise(raw)
    assert raw in str(caught.value)


def test_invalid_phone_is_a_value_error():
    assert issubclass(InvalidPhone, ValueError)


@pytest.mark.parametrize(
    ("e164", "kind"),
    [
        ("+8613800138000", "mobile"),
        ("+8618612345678", "mobile"),
        ("+862164321234", "fixed"),
        ("+861062345678", "fixed"),  # Beijing landline
        ("+864008001234", "other"),  # 400 shared-cost service number
    ],
)
def test_kind_of_tells_mobile_from_landline(e164, kind):
    assert kind_of(e164) == kind


def test_display_groups_the_digits_internationally():
    assert display("+8613800138000") == "+86 138 0013 8000"
    assert display("+862164321234") == "+86 21 6432 1234"
    assert display("not a number") == "not a number"


def test_digits_of_keeps_only_digits():
    assert digits_of("+86 (138) 0013-8000") == "8613800138000"
    assert digits_of("") == ""
    assert digits_of(None) == ""
