"""Numbers and dates as documents print them, read into values: what `docvl eval` compares and grounding
(docvl.grounding) looks for on the page."""

from __future__ import annotations

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
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    # month names in German, French and Dutch too ("7. Mai 2014", "02 Juillet 2015"), as the text engine
    # reads them; only when the text is that one date, not a sentence holding one
    from docvl.engines.values import parse_date as named_date

    if len(text.split()) <= 4:
        iso = named_date(text)
        if iso is not None:
            return date.fromisoformat(iso)
    return None
