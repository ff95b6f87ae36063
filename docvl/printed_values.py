"""Numbers and dates as documents print them, read into values: what `docvl eval` compares and grounding
(docvl.grounding) looks for on the page."""

from __future__ import annotations

import functools
import math
import re
from datetime import date, datetime
from typing import Any

_NUMBER = re.compile(r"[-+−]?\(?\d[\d,.\s  ']*\d(?:\.\d+)?\)?|[-+−]?\d+(?:[.,]\d+)?")
# numbers inside running text: thousands grouped by commas, dots, thin or no-break spaces, never plain
# spaces (two numbers side by side in a table row are two numbers)
NUMBER_IN_TEXT = re.compile(r"[-−]?\(?\d{1,3}(?:[,.\u202f\u00a0']\d{3})+(?:[.,]\d+)?\)?|[-−]?\d+(?:[.,]\d+)?")
_DATE_FORMATS = (
    "%Y-%m-%d", "%d %B %Y", "%B %d, %Y", "%B %d %Y", "%d %b %Y", "%b %d, %Y", "%b %d %Y", "%d/%m/%Y", "%m/%d/%Y",
    "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%Y%m%d", "%d %B, %Y",
)  # fmt: skip


# -- numbers and dates --------------------------------------------------------------------------------


def parse_number(value: Any) -> float | None:
    """A number from 1234.5, "1,234.50", "1.234,50", "$ 4.11", "12 %", "(300)" (negative), "36 months";
    None when the text holds no single number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace("−", "-")
    found = [m.group(0).strip() for m in _NUMBER.finditer(text)]
    if len(found) != 1:
        return None
    raw = found[0]
    negative = raw.startswith("-") or (raw.startswith("(") and raw.endswith(")"))
    digits = re.sub(r"[^\d.,]", "", raw)
    if "," in digits and "." in digits:  # the later one is the decimal mark
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        digits = digits.replace("." if decimal == "," else ",", "").replace(decimal, ".")
    elif "," in digits:
        head, _, tail = digits.rpartition(",")
        # 1,234 and 1,234,567 group thousands; 12,5 and 1234,56 are decimals
        digits = (
            digits.replace(",", "")
            if len(tail) == 3 and head.replace(",", "").isdigit()
            else head.replace(",", "") + "." + tail
        )
    elif digits.count(".") > 1:  # 1.234.567: thousands
        digits = digits.replace(".", "")
    try:
        number = float(digits)
    except ValueError:
        return None
    return -number if negative else number


def parse_date(value: Any) -> date | None:
    """A date from ISO text or the common written forms (28 March 2025, March 28, 2025, 03/28/2025)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+([,.])", r"\1", " ".join(value.strip().rstrip(".").split()))  # "August 3 , 2014"
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    # ISO, with a time after it or not ("2025-03-28T10:00:00Z"); not the digits that start an id
    # ("9314110911/00/M" is no date)
    iso = re.fullmatch(r"(\d{4}-?\d{2}-?\d{2})(?:[T ][\d:.,+\-Z]*)?", text)
    if iso is not None:
        try:
            return date.fromisoformat(iso.group(1))
        except ValueError:
            pass
    # month names in German, French and Dutch too ("7. Mai 2014", "02 Juillet 2015"), as the text engine
    # reads them; only when the text is that one date, not a sentence holding one
    from docvl.engines.values import parse_date as named_date

    if len(text.split()) <= 4:
        named = named_date(text)
        if named is not None:
            return date.fromisoformat(named)
    return None


# -- every date a short text can be, ranges, codes ------------------------------------------------------

# the languages whose month, country and currency names grounding knows (CLDR data, through Babel)
LOCALES = (
    "en", "de", "fr", "nl", "es", "it", "pt", "pl", "sv", "da", "nb", "fi", "cs", "ro", "hu", "tr", "el", "ru",
    "uk", "ja", "zh", "ko", "ar", "he", "hi", "id", "vi", "th",
)  # fmt: skip
# words around a date that are not part of it: "28 de marzo de 2025", "the 1st of May", "1er", "2e"
DATE_FILLERS = {"de", "del", "of", "the", "st", "nd", "rd", "th", "er", "re", "e", "eme", "ème", "o", "º", "den", "le"}
# what joins the two ends of a range: "1er au 31 juillet", "1-31 July", "1 to 31 July", "vom 1. bis 31. Juli"
_RANGE_JOINS = {"-", "–", "—", "au", "to", "bis", "tot", "al", "a", "till", "until", "through", "thru", "tm", "t/m"}
_DATE_TOKEN = re.compile(r"\d+|t/m|[^\W\d_]+\.?|[-–—]")  # Dutch "1 t/m 30 april": one join
_CJK_DATE = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]?")


@functools.cache
def month_names() -> dict[str, int]:
    """Month names and abbreviations (casefolded, no dot) in LOCALES, both the forms a date prints
    ("marca", "Juli") and the standalone ones; English, German, French and Dutch spellings the text
    engine knows too ("sept", "maerz")."""
    from babel import Locale

    from docvl.engines.values import _MONTHS

    names = dict(_MONTHS)
    for code in LOCALES:
        months = Locale.parse(code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months[context][width].items():
                    key = name.casefold().rstrip(".")
                    if not key.isdigit() and not any(ch.isdigit() for ch in key):  # "3月" is a number, not a name
                        names.setdefault(key, number)
    return names


def _year(token: str) -> int | None:
    if len(token) == 4:
        year = int(token)
    elif len(token) == 2:
        year = 2000 + int(token) if int(token) < 70 else 1900 + int(token)
    else:
        return None
    return year if 1900 <= year <= 2100 else None


def _day(year: int | None, month: int | None, day: int) -> date | None:
    if year is None or month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _date_tokens(text: str) -> list[str]:
    return [t.rstrip(".") for t in _DATE_TOKEN.findall(text.casefold())]


def _dates_of_tokens(tokens: list[str]) -> set[date]:
    """Every date three tokens (day, month, year in any order a document prints them) can be."""
    months = month_names()
    parts = [t for t in tokens if t not in DATE_FILLERS and t not in {"-", "–", "—"}]
    if len(parts) != 3:
        return set()
    named = [i for i, t in enumerate(parts) if not t.isdigit()]
    out: set[date] = set()
    if len(named) == 1:  # 28 March 2025, March 28 2025, 2025 March 28
        month = months.get(parts[named[0]])
        a, b = (parts[i] for i in range(3) if i != named[0])
        if month is None or not (a.isdigit() and b.isdigit()):
            return set()
        if named[0] == 2 or (named[0] == 0 and len(a) == 4):
            # no language writes "2025 28 March" or "March 2025 28": such words are two dates' parts
            # ("... 2025 | 28 March 2025" in a table row)
            return set()
        # the year is the four-digit number; of two short ones the first is the day ("28-Mar-25", "Mar 28 25")
        day, year = (b, a) if len(a) == 4 else (a, b)
        found = _day(_year(year), month, int(day)) if len(day) <= 2 else None
        if found is not None:
            out.add(found)
        return out
    if named:
        return set()
    a, b, c = parts
    if len(a) == 4:  # 2025-03-28
        found = _day(_year(a), int(b), int(c)) if len(b) <= 2 and len(c) <= 2 else None
        return {found} if found else set()
    if len(a) <= 2 and len(b) <= 2 and len(c) in (2, 4):  # 28/03/2025 and 03/28/2025: either, when both exist
        for first, second in ((int(a), int(b)), (int(b), int(a))):
            found = _day(_year(c), second, first)
            if found is not None:
                out.add(found)
    return out


def possible_dates(text: str) -> set[date]:
    """Every date a short text can be: 03/04/2025 is 3 April and 4 March (a document's own convention is
    not known here), 03.04.2025 only 3 April; two-digit years; month names in LOCALES ("28 de marzo de 2025", "28. März 2025",
    "28-Mar-25", "March 28th, 2025"); 2025年3月28日; ISO and YYYYMMDD. Empty when it is not one date."""
    text = text.strip().strip(",;:()[]")
    if not text or not any(ch.isdigit() for ch in text):
        return set()
    cjk = _CJK_DATE.fullmatch(text.rstrip("."))
    if cjk:
        found = _day(int(cjk.group(1)), int(cjk.group(2)), int(cjk.group(3)))
        return {found} if found else set()
    if re.fullmatch(r"\d{8}", text):
        found = _day(_year(text[:4]), int(text[4:6]), int(text[6:]))
        return {found} if found else set()
    dotted = re.fullmatch(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})\.?", text)
    if dotted:  # with dots the day comes first wherever dates are so written (de, ru, pl, fi, ...)
        found = _day(_year(dotted.group(3)), int(dotted.group(2)), int(dotted.group(1)))
        return {found} if found else set()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.+Z-]*", text):  # an ISO timestamp
        text = text[:10]
    return _dates_of_tokens(_date_tokens(text))


def date_range(text: str) -> tuple[set[date], set[date]] | None:
    """The possible first and last days of a range printed with its month or year once: "1er au 31
    Juillet 2015", "1-31 July 2015", "July 1 - 31, 2015", "01.07.-31.07.2015", "1 June to 30 July 2015";
    None when the text is not one."""
    if not any(ch.isdigit() for ch in text):
        return None
    tokens = _date_tokens(text)
    for i, token in enumerate(tokens):
        if token not in _RANGE_JOINS or i == 0:
            continue
        left, right = tokens[:i], tokens[i + 1 :]
        ends = _dates_of_tokens(right)
        if not ends:
            # "July 1 - 31, 2015": the month before the first day, the year after the last
            if len(left) == 2 and not left[0].isdigit() and len(right) == 2 and right[0].isdigit():
                ends = _dates_of_tokens([left[0], *right])
                left = left[1:]
            if not ends:
                continue
        starts = {start for end in ends for start in _complete(left, right, end) if start <= end}
        if starts:
            return starts, ends
    return None


def _complete(left: list[str], right: list[str], end: date) -> list[date]:
    """The first day of a range from what it writes and what it shares with the last: "1er" of "1er au 31
    juillet 2015" -> 1 July 2015; "01.07." of "01.07.-31.07.2015" -> 1 July 2015 (day and month in the
    order the last day writes them)."""
    months = month_names()
    parts = [t for t in left if t not in DATE_FILLERS]
    while parts and not parts[0].isdigit() and parts[0] not in months:
        parts = parts[1:]  # "vom", "from", "du", "période du"
    if len(parts) == 1 and parts[0].isdigit() and len(parts[0]) <= 2:
        found = _day(end.year, end.month, int(parts[0]))
        return [found] if found else []
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        numbers = [int(t) for t in right if t.isdigit()]
        month_first = len(numbers) >= 2 and numbers[0] == end.month and numbers[1] == end.day
        month, day = (parts[0], parts[1]) if month_first else (parts[1], parts[0])
        found = _day(end.year, int(month), int(day))
        return [found] if found else []
    if len(parts) == 2:
        return sorted(_dates_of_tokens([*parts, str(end.year)]))
    return sorted(_dates_of_tokens(parts))


@functools.cache
def currency_codes() -> frozenset[str]:
    """ISO 4217 codes in use today (CLDR, via Babel): what may stand beside an amount ("EUR 12,50").
    Not the withdrawn ones: "ESB" (a peseta account unit) is the start of a Spanish VAT id, "ESB77711131"."""
    from babel.core import get_global
    from babel.numbers import get_territory_currencies

    return frozenset(
        code for territory in get_global("territory_currencies") for code in get_territory_currencies(territory)
    )


@functools.cache
def printed_forms(code: str) -> tuple[str, ...]:
    """How a document may print an ISO code a record holds: a currency ("USD": "$", "US$", "US Dollar",
    "dollar des États-Unis") or a country ("NL": "Nederland", "Netherlands", "Pays-Bas"), in LOCALES; ()
    for anything else."""
    from babel import Locale
    from babel.numbers import get_currency_symbol

    code = code.strip()
    forms: set[str] = set()
    if re.fullmatch(r"[A-Z]{3}", code):
        for locale in LOCALES:
            loc = Locale.parse(locale)
            if code in loc.currencies:
                forms.add(loc.currencies[code])
                forms.add(get_currency_symbol(code, locale))
        forms.update(_CURRENCY_ALIASES.get(code, ()))
    elif re.fullmatch(r"[A-Z]{2}", code):
        for locale in LOCALES:
            name = Locale.parse(locale).territories.get(code)
            if name:
                forms.add(name)
        forms.update(_COUNTRY_ALIASES.get(code, ()))
    forms.discard(code)
    # longer forms first: "US$" before "$", so the box holds the whole sign
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


# signs CLDR gives only in the currency's own locale ("$" is CAD's in en_CA), and common abbreviations
_CURRENCY_ALIASES = {
    "USD": ("$", "US$", "dollars"), "CAD": ("$", "C$"), "AUD": ("$", "A$"), "NZD": ("$",), "SGD": ("$", "S$"),
    "HKD": ("$", "HK$"), "MXN": ("$",), "EUR": ("€", "euros", "Euro"), "GBP": ("£",), "JPY": ("¥", "円"),
    "CNY": ("¥", "元", "RMB"), "INR": ("₹", "Rs", "Rs.", "rupees"), "KRW": ("₩", "원"), "PLN": ("zł",),
    "CHF": ("Fr.", "SFr."), "SEK": ("kr", "kr."), "NOK": ("kr", "kr."), "DKK": ("kr", "kr."), "BRL": ("R$",),
    "ZAR": ("R",), "RUB": ("₽", "руб."), "TRY": ("₺", "TL"), "ILS": ("₪",), "VND": ("₫",), "THB": ("฿",),
}  # fmt: skip
_COUNTRY_ALIASES = {
    "US": ("USA", "U.S.A.", "U.S."),
    "GB": ("UK", "U.K.", "Great Britain", "England"),
    "NL": ("Holland",),
}
