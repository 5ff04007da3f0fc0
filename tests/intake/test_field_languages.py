"""The phone, plate, name and date validators accept exactly their documented language (the
patterns the OpenAPI document publishes) and normalise idempotently."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from renewdesk.services import fields

NEAR_PHONE = st.text(
    alphabet="0123456789０１２３４５６７８９+＋86８６ -－\u00a0\u3000\t١٣x", max_size=20
)
NEAR_PLATE = st.text(alphabet="粤京沪ABDIOZabdioｚＢ0123456789０１ -·.•\u3000١", max_size=10)
NEAR_NAME = st.text(alphabet="张伟李娜AbéЖ·•・.'- \u3000\t\u3164\u200b\u2028١", max_size=45)
FAST = settings(max_examples=300, deadline=None)


def accepts(validate, value) -> bool:
    try:
        validate(value)
    except PydanticCustomError:
        return False
    return True


@FAST
@given(st.from_regex(fields.PHONE_PATTERN, fullmatch=True))
def test_every_phone_the_pattern_allows_is_stored_as_plus86_and_stays_so(phone):
    stored = fields.normalize_phone(phone)
    assert re.fullmatch(r"\+861[3-9][0-9]{9}", stored)
    assert fields.normalize_phone(stored) == stored


@FAST
@given(NEAR_PHONE)
@example("١٣٨٠٠١٣٨٠٠٠")
@example("13800138000\n")
def test_a_phone_is_accepted_exactly_when_the_pattern_says_so(text):
    assert accepts(fields.normalize_phone, text) == bool(re.fullmatch(fields.PHONE_PATTERN, text))


@FAST
@given(st.from_regex(fields.PLATE_PATTERN, fullmatch=True))
def test_every_plate_the_pattern_allows_is_stored_upper_case_without_separators(plate):
    stored = fields.normalize_plate(plate)
    assert fields.PLATE_RE.fullmatch(stored)
    assert fields.normalize_plate(stored) == stored


@FAST
@given(NEAR_PLATE)
def test_a_plate_is_accepted_exactly_when_the_pattern_says_so(text):
    assert accepts(fields.normalize_plate, text) == bool(re.fullmatch(fields.PLATE_PATTERN, text))


@FAST
@given(st.from_regex(fields.NAME_PATTERN, fullmatch=True))
def test_every_name_the_pattern_allows_is_kept_trimmed_and_stays_so(name):
    stored = fields.normalize_name(name)
    assert stored == name.strip(" \u3000") and 1 <= len(stored) <= fields.NAME_MAX
    assert fields.normalize_name(stored) == stored


@FAST
@given(NEAR_NAME)
@example("\u3164")
@example("张\u2028伟")
def test_a_name_is_accepted_exactly_when_the_pattern_says_so(text):
    assert accepts(fields.normalize_name, text) == bool(re.fullmatch(fields.NAME_PATTERN, text))


FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


@FAST
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)), st.booleans())
def test_every_calendar_date_is_read_in_ascii_and_full_width_digits(day, full_width):
    text = day.isoformat().translate(FULL_WIDTH) if full_width else day.isoformat()
    assert fields.parse_date(text) == day
    assert fields.parse_date(fields.parse_date(text).isoformat()) == day


@FAST
@given(st.text(alphabet="0123456789-０２/ T:١", max_size=12))
@example("2026-02-30")
@example("2026-1-05")
@example("٢٠٢٦-٠١-٠٥")
def test_a_date_is_accepted_exactly_when_it_is_a_real_yyyy_mm_dd(text):
    folded = text.translate(str.maketrans("０２－", "02-"))
    try:
        real = re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", folded) is not None and bool(
            dt.date.fromisoformat(folded)
        )
    except ValueError:
        real = False
    assert accepts(fields.parse_date, text) == real


@pytest.mark.parametrize("value", [None, 13800138000, ["13800138000"], {"a": 1}])
def test_anything_but_text_is_refused(value):
    for validate in (
        fields.normalize_phone,
        fields.normalize_plate,
        fields.normalize_name,
        fields.parse_date,
    ):
        assert not accepts(validate, value)
