"""Where an extracted value came from: its boxes on the page, found in the document's own text layer.

The model is weak at pointing (Nemotron Nano V2 VL scores 5.5 on ScreenSpot-Pro), so coordinates come from
the document: each non-null leaf value (line items included) is looked for on the pages the model cited
for its field, then anywhere in the document. Numbers match whatever their formatting (1,234.50,
1.234,50, 1234.5, currency signs), dates whatever way they are written (28 March 2025, 03/28/2025,
2025-03-28), strings after normalising case, whitespace, ligatures and hyphenation, and with a fuzzy
match (a ratio of 0.85 or more) for what OCR or a model misspelled. A value found nowhere is `unlocated`,
with the reason: a value the model computed (a total the document does not print), misread or made up
is exactly what this shows. Boxes are PDF points, origin top-left of the page as displayed (rotation
applied), one per line the value spans.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from docvl.load.reading_order import Word
from docvl.printed_values import NUMBER_IN_TEXT, parse_date, parse_number

FUZZY = 0.85
# a word that is (part of) a printed number: digits with separators, signs, currency, a unit code
NUMBERISH = re.compile(r"[$€£¥₹%+\-−(]*[\d.,'\u202f\u00a0]*\d[\d.,'\u202f\u00a0]*[%)]*[:;,]?|[$€£¥₹]|[A-Z]{3}")
ZERO = re.compile(r"[^\d]*0(?:[.,]0+)?[^\d]*")
MAX_WORDS = 12  # the longest value looked for word by word; longer text is looked for by its start


@dataclass(frozen=True)
class PageWords:
    number: int
    width: float
    height: float
    words: list[Word]
    source: str = "text"  # "text": the PDF's text layer; "ocr": OCR of the page's image (a scan)


@dataclass(frozen=True)
class Found:
    page: int
    boxes: list[tuple[float, float, float, float]]  # one per line the value spans
    match: str  # exact | normalised | fuzzy | ocr (found in OCR words: a scan's, however matched)
    text: str
    page_size: tuple[float, float]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [
            {
                "page": self.page,
                "bbox": [round(v, 2) for v in box],
                "match": self.match,
                "text": self.text,
                "page_size": [round(v, 2) for v in self.page_size],
            }
            for box in self.boxes
        ]


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of each non-null scalar in a record: ``total``, ``lines[0].name``."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from leaves(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from leaves(inner, f"{path}[{i}]")
    elif value is not None and not isinstance(value, bool) and str(value).strip():
        yield path, value


def value_at(data: dict[str, Any], path: str) -> Any:
    """The value at a leaf path of ``leaves`` (``lines[0].name``)."""
    value: Any = data
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            value = value[int(part[1:-1])] if isinstance(value, list) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def locate_record(
    data: dict[str, Any],
    field_pages: dict[str, list[int]],
    pages: list[int],
    read: Callable[[list[int]], dict[int, PageWords]],
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Boxes of each leaf value of ``data`` (by path), and the paths found nowhere with why. ``read``
    gives the words of pages (the text layer); ``pages``: the document's selected pages."""
    cache: dict[int, PageWords] = {}

    def words_of(numbers: list[int]) -> list[PageWords]:
        missing = [n for n in numbers if n not in cache]
        if missing:
            cache.update(read(missing))
        return [cache[n] for n in numbers if n in cache]

    boxes: dict[str, list[dict[str, Any]]] = {}
    unlocated: dict[str, str] = {}
    for path, value in leaves(data):
        field = re.split(r"[.\[]", path, maxsplit=1)[0]
        cited = [p for p in field_pages.get(field, []) if p in pages]
        found = None
        for where in (cited, [p for p in pages if p not in cited]):
            if where:
                found = find(value, words_of(where), fuzzy=(bool(cited) and where is cited) or len(pages) <= 20)
            if found is not None:
                break
        if found is not None:
            boxes[path] = found.as_dicts()
        else:
            has_text = any(page.words for page in cache.values())
            unlocated[path] = (
                "not found in the document's text"
                if has_text
                else "no text layer (a scan; install docvl[ocr] for OCR boxes)"
            )
    return boxes, unlocated


def find(value: Any, pages: list[PageWords], *, fuzzy: bool = True) -> Found | None:
    """The first place ``value`` stands on ``pages`` (in order): exact or normalised first on every page,
    then fuzzy."""
    for page in pages:
        hit = _exact(value, page.words)
        if hit is not None:
            return _found(page, *hit)
    if fuzzy and isinstance(value, str) and len(_norm(value)) >= 4:
        best: tuple[float, PageWords, int, int] | None = None
        for page in pages:
            hit_f = _fuzzy(value, page.words)
            if hit_f is not None and (best is None or hit_f[0] > best[0]):
                best = (hit_f[0], page, hit_f[1], hit_f[2])
        if best is not None:
            _, page, start, end = best
            return _found(page, start, end, "fuzzy")
    return None


def _found(page: PageWords, start: int, end: int, match: str) -> Found:
    words = page.words[start:end]
    lines: dict[tuple[int, int], list[Word]] = {}
    for w in words:
        lines.setdefault((w.block, w.line), []).append(w)
    boxes = [
        (min(w.x0 for w in ws), min(w.y0 for w in ws), max(w.x1 for w in ws), max(w.y1 for w in ws))
        for ws in lines.values()
    ]
    if page.source == "ocr":
        match = "ocr"
    return Found(page.number, boxes, match, " ".join(w.text for w in words), (page.width, page.height))


def _exact(value: Any, words: list[Word]) -> tuple[int, int, str] | None:
    number = parse_number(value) if _numeric(value) else None
    day = (
        parse_date(value)
        if isinstance(value, str) and re.search(r"\d{4}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2}", value)
        else None
    )
    raw = str(value).strip()
    if number is not None:
        # the fewest words first: "42183017", not "Invoice Number: 42183017"; every word a part of a number
        # ("EUR", "$", "1 234,50"), so a label is never part of the box
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                window = words[i : i + n]
                if not all(NUMBERISH.fullmatch(w.text) for w in window):
                    continue
                text = " ".join(w.text for w in window)
                got = parse_number(text.strip(":;,"))
                if got is None or abs(got - number) >= 0.005:
                    continue
                if number == 0 and not ZERO.fullmatch(text.strip(":;,")):
                    continue  # 0 is not "0000" (a postcode)
                return i, i + n, "exact" if text == raw else "normalised"
        return None
    if day is not None:
        for n in (1, 2, 3, 4):  # the fewest words first: "28 March 2025", not "date: 28 March 2025"
            for i in range(len(words) - n + 1):
                text = " ".join(w.text for w in words[i : i + n])
                if parse_date(text.strip(":;,()")) == day:
                    return i, i + n, "exact" if text == raw else "normalised"
    tokens = _norm(raw).split()
    if not tokens:
        return None
    tokens = tokens[:MAX_WORDS]
    normed = [_norm(w.text) for w in words]
    for i in range(len(words) - len(tokens) + 1):
        if normed[i] == tokens[0] and normed[i : i + len(tokens)] == tokens:
            text = " ".join(w.text for w in words[i : i + len(tokens)])
            return i, i + len(tokens), "exact" if text == raw else "normalised"
    # words MuPDF split or joined differently: the value's characters against a run of words
    squeezed = "".join(tokens)
    for i in range(len(words)):
        joined = ""
        for j in range(i, min(len(words), i + MAX_WORDS)):
            part = normed[j]
            if part.endswith("-") and j + 1 < len(words) and words[j + 1].line != words[j].line:
                part = part[:-1]  # a word hyphenated at the end of a line
            joined += part
            if joined == squeezed:
                return i, j + 1, "normalised"
            if not squeezed.startswith(joined):
                break
    return None


def _fuzzy(value: str, words: list[Word]) -> tuple[float, int, int] | None:
    target = _norm(value)
    size = len(target.split()[:MAX_WORDS])
    normed = [_norm(w.text) for w in words]
    best: tuple[float, int, int] | None = None
    for n in {max(1, size - 1), size, size + 1}:
        for i in range(len(words) - n + 1):
            candidate = " ".join(normed[i : i + n])
            if abs(len(candidate) - len(target)) > max(3, len(target) // 4):
                continue
            matcher = difflib.SequenceMatcher(None, candidate, target)
            if matcher.real_quick_ratio() < FUZZY or matcher.quick_ratio() < FUZZY:
                continue  # cheap upper bounds first: most windows are nowhere near
            ratio = matcher.ratio()
            if ratio >= FUZZY and (best is None or ratio > best[0]):
                best = (ratio, i, i + n)
    return best


def _numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return (
        isinstance(value, str)
        and re.fullmatch(r"[\s$€£¥₹%\d,.()+\-−A-Z]{0,4}[\d,.\s]+[\s$€£¥₹%A-Z]{0,4}", value.strip()) is not None
    )


def _norm(text: str) -> str:
    """Case, width and ligatures (NFKC: "ﬁ" -> "fi"), quotes and surrounding punctuation set aside."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"[\"'“”‘’`]", "", text)
    return " ".join(part.strip(".,;:()[]") for part in text.split() if part.strip(".,;:()[]"))


EVIDENCE_WORDS = 60  # the most words of a quoted passage boxed


def ground_answer(
    answer: str, pages: list[int], read: Callable[[list[int]], dict[int, PageWords]], *, extractive: bool
) -> list[dict[str, Any]]:
    """Where an answer rests: ``[{page, bbox, text, match}]``, one per line. A quoting engine's passages
    ("[Page 7] ...") are found on their page; a model's answer by its numbers, dates and (when short) its
    words on the cited ``pages``, each boxed with the whole line it stands in."""
    out: list[dict[str, Any]] = []
    seen: set[tuple[int, tuple[float, ...]]] = set()

    def add(page: PageWords, start: int, end: int, match: str, whole_lines: bool) -> None:
        words = page.words
        match = "ocr" if page.source == "ocr" else match
        if whole_lines:  # the line(s) a value stands in: the sentence or table row it rests on
            keys = {(w.block, w.line) for w in words[start:end]}
            chosen = [w for w in words if (w.block, w.line) in keys]
        else:
            chosen = words[start:end]
        lines: dict[tuple[int, int], list[Word]] = {}
        for w in chosen:
            lines.setdefault((w.block, w.line), []).append(w)
        for ws in lines.values():
            box = (min(w.x0 for w in ws), min(w.y0 for w in ws), max(w.x1 for w in ws), max(w.y1 for w in ws))
            key = (page.number, tuple(round(v, 1) for v in box))
            if key not in seen:
                seen.add(key)
                out.append(
                    {
                        "page": page.number,
                        "bbox": [round(v, 2) for v in box],
                        "text": " ".join(w.text for w in ws),
                        "match": match,
                    }
                )

    if extractive:
        for m in re.finditer(r"\[Page (\d+)\]\s*(.+)", answer):
            number, passage = int(m.group(1)), m.group(2).strip()
            words = passage.split()
            page = read([number]).get(number)
            if page is None or not words:
                continue
            head = " ".join(words[: min(8, len(words))])
            hit = _exact(head, page.words)
            if hit is not None:
                start = hit[0]
                add(page, start, min(len(page.words), start + min(len(words), EVIDENCE_WORDS)), hit[2], False)
        return out
    cited = read(pages) if pages else {}
    first = next((line.strip() for line in answer.splitlines() if line.strip()), "")
    values: list[Any] = [m.group(0) for m in NUMBER_IN_TEXT.finditer(first)]
    if len(first.split()) <= 12:
        values.append(first.rstrip("."))
    for value in values:
        found_on = None
        for number in pages:
            page = cited.get(number)
            if page is None:
                continue
            hit = _exact(value, page.words)
            if hit is not None:
                found_on = (page, hit)
                break
        if found_on is not None:
            page, (start, end, match) = found_on
            add(page, start, end, match, True)
    return out
