"""Dates, ranges and codes as documents print them (docvl.printed_values), what grounding looks for."""

from __future__ import annotations

from datetime import date

import pytest

from docvl.printed_values import date_range, possible_dates, printed_forms


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("28 March 2025", {date(2025, 3, 28)}),
        ("March 28th, 2025", {date(2025, 3, 28)}),
        ("Mar. 28, 2025", {date(2025, 3, 28)}),
        ("28-Mar-25", {date(2025, 3, 28)}),
        ("28 de marzo de 2025", {date(2025, 3, 28)}),
        ("28. März 2025", {date(2025, 3, 28)}),
        ("28 marca 2025", {date(2025, 3, 28)}),  # Polish prints the genitive
        ("28 maart 2025", {date(2025, 3, 28)}),
        ("2025年3月28日", {date(2025, 3, 28)}),
        ("2025-03-28T10:00:00Z", {date(2025, 3, 28)}),
        ("20250328", {date(2025, 3, 28)}),
        ("28.03.2025", {date(2025, 3, 28)}),
        ("03/04/2025", {date(2025, 3, 4), date(2025, 4, 3)}),  # either convention
        ("12/31/25", {date(2025, 12, 31)}),  # only one reading exists
        ("04.05.25", {date(2025, 5, 4)}),  # with dots, day first
        ("Invoice 2025", set()),
        ("12 34 56", set()),
        ("March 2025", set()),  # a month, not a day
        ("2025 28 March", set()),  # orders no language writes: the ends of two cells
        ("November 2025 15", set()),
    ],
)
def test_possible_dates(text, days):
    assert possible_dates(text) == days


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("1er au 31 Juillet 2015", date(2015, 7, 1), date(2015, 7, 31)),
        ("1-31 July 2015", date(2015, 7, 1), date(2015, 7, 31)),
        ("July 1 - 31, 2015", date(2015, 7, 1), date(2015, 7, 31)),
        ("vom 1. bis 31. Juli 2015", date(2015, 7, 1), date(2015, 7, 31)),
        ("01.07.-31.07.2015", date(2015, 7, 1), date(2015, 7, 31)),
        ("1 June to 30 July 2015", date(2015, 6, 1), date(2015, 7, 30)),
        ("1 t/m 30 april 2025", date(2025, 4, 1), date(2025, 4, 30)),  # Dutch "tot en met"
    ],
)
def test_date_ranges(text, first, last):
    found = date_range(text)
    assert found is not None
    assert first in found[0] and found[1] == {last}


def test_not_ranges():
    assert date_range("1 - 2") is None
    assert date_range("pages 3 to 7") is None


def test_codes_printed_as_signs_and_names():
    assert "$" in printed_forms("USD") and "US Dollar" in printed_forms("USD")
    assert {"€", "euro"} <= set(printed_forms("EUR"))
    assert {"Nederland", "Netherlands", "Pays-Bas"} <= set(printed_forms("NL"))
    assert printed_forms("ZZZ") == ()
    assert printed_forms("INV-42") == ()


def test_an_identifier_that_starts_with_digits_is_no_date():
    from docvl.printed_values import parse_date

    assert parse_date("9314110911/00/M/00/N") is None  # an invoice number, not 9314-11-09
    assert parse_date("2025-03-28T10:00:00Z") == date(2025, 3, 28)
    assert parse_date("20250328") == date(2025, 3, 28)
