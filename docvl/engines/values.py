"""Typed values found in document text: money amounts, dates, currencies.

Used by the text engine to fill schema fields without a model. Formats are the ones invoices and
reports print in English, German, French and Dutch.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    # English
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    # German
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "maerz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    # Dutch
    "januari": 1, "februari": 2, "maart": 3, "mei": 5, "augustus": 8,
}  # fmt: skip

CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "₹": "INR", "¥": "JPY", "CHF": "CHF", "Rs.": "INR", "Rs": "INR"}
ISO_CURRENCIES = {
    "EUR", "USD", "GBP", "INR", "JPY", "CHF", "CAD", "AUD", "CNY", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF",
    "BRL", "MXN", "ZAR", "SGD", "HKD", "NZD", "KRW", "TRY", "RUB", "AED", "SAR",
}  # fmt: skip

_AMOUNT = re.compile(r"(?<![\w.,])[-−]?(?:\d{1,3}(?:[.,'  ]\d{3})+|\d+)(?:[.,]\d{1,2})?(?![\w])")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})\b")
_NAMED_DATE = re.compile(
    r"\b(\d{1,2})\.?\s*(?:de\s+)?([A-Za-zÀ-ÿ]{3,10})\.?,?\s+(\d{4})\b|\b([A-Za-zÀ-ÿ]{3,10})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\s*,?\s+(\d{4})\b"
)


def parse_amount(text: str) -> float | None:
    """The first money amount in ``text`` as a number: '1.249,00' and '1,249.00' are both 1249.0."""
    for match in _AMOUNT.finditer(text.replace("\u202f", " ")):
        raw = match.group(0).replace("−", "-").replace("'", "").replace(" ", "").replace("\u00a0", "")
        value = _to_number(raw)
        if value is not None:
            return value
    return None


def parse_money(text: str) -> float | None:
    """The money amount a label's line holds: amounts with cents beat bare numbers, percentages and
    quantities are skipped, and the rightmost wins (totals sit at the right end of their line)."""
    text = _without_dates(text.replace("\u202f", " "))
    found: list[tuple[bool, float]] = []
    for match in _AMOUNT.finditer(text):
        if text[match.end() : match.end() + 2].strip().startswith("%"):
            continue
        raw = match.group(0).replace("−", "-").replace("'", "").replace(" ", "").replace("\u00a0", "")
        if re.fullmatch(r"-?\d{7,}", raw):
            continue  # seven digits or more with no separator: a phone, order or account number, not money
        value = _to_number(raw)
        if value is not None:
            found.append((bool(re.search(r"[.,]\d{2}$", raw)), value))
    with_cents = [v for cents, v in found if cents]
    if with_cents:
        return with_cents[-1]
    return found[-1][1] if found else None


def _without_dates(text: str) -> str:
    """Dates blanked out: 'TOTAL AMOUNT DUE ON August 3, 2014' holds no amount, whatever 2014 looks like."""

    def blank(match: re.Match) -> str:
        month = match.group(2) or match.group(4)
        if month is not None and month.lower().rstrip(".") not in _MONTHS:
            return match.group(0)  # "Total 12 items 2014": not a date
        return " " * len(match.group(0))

    for pattern in (_ISO_DATE, _NUMERIC_DATE):
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return _NAMED_DATE.sub(blank, text)


def _to_number(raw: str) -> float | None:
    sign = -1.0 if raw.startswith("-") else 1.0
    raw = raw.lstrip("-")
    if "," in raw and "." in raw:
        # whichever comes last is the decimal separator
        decimal = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        raw = raw.replace(thousands, "").replace(decimal, ".")
    elif "," in raw:
        head, _, tail = raw.rpartition(",")
        raw = raw.replace(",", "") if len(tail) == 3 and head else raw.replace(",", ".")
    elif raw.count(".") > 1 or (raw.count(".") == 1 and len(raw.rpartition(".")[2]) == 3 and len(raw) > 4):
        raw = raw.replace(".", "")
    try:
        return sign * float(raw)
    except ValueError:
        return None


def parse_date(text: str, *, day_first: bool = True) -> str | None:
    """The first date in ``text`` as ISO YYYY-MM-DD."""
    candidates: list[tuple[int, str]] = []
    for m in _ISO_DATE.finditer(text):
        iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            candidates.append((m.start(), iso))
    for m in _NUMERIC_DATE.finditer(text):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        y = y + 2000 if y < 100 else y
        day, month = (a, b) if day_first else (b, a)
        if month > 12 and day <= 12:  # 12/31/2023 can only be month first
            day, month = month, day
        iso = _iso(y, month, day)
        if iso:
            candidates.append((m.start(), iso))
    for m in _NAMED_DATE.finditer(text):
        if m.group(1):
            day, name, year = int(m.group(1)), m.group(2), int(m.group(3))
        else:
            name, day, year = m.group(4), int(m.group(5)), int(m.group(6))
        month = _MONTHS.get(name.lower().rstrip("."), 0)  # 0: not a month name
        iso = _iso(year, month, day) if month else None
        if iso:
            candidates.append((m.start(), iso))
    return min(candidates)[1] if candidates else None


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat() if 1900 <= year <= 2100 else None
    except ValueError:
        return None


def find_currency(text: str) -> str | None:
    """An ISO 4217 code printed in the text, else one implied by a currency symbol."""
    codes = re.findall(r"\b([A-Z]{3})\b", text)
    counts: dict[str, int] = {}
    for code in codes:
        if code in ISO_CURRENCIES:
            counts[code] = counts.get(code, 0) + 1
    if counts:
        return max(counts, key=lambda c: counts[c])
    for symbol, code in CURRENCY_SYMBOLS.items():
        if symbol in text:
            return code
    return None
