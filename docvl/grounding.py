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
from datetime import date
from functools import cached_property
from itertools import pairwise
from typing import Any

from docvl.load.reading_order import Word
from docvl.printed_values import NUMBER_IN_TEXT, date_range, parse_date, parse_number, possible_dates, printed_forms

FUZZY = 0.85
# a word that is (part of) a printed number: digits with separators, signs, currency, a unit code
# (OCR may glue a currency code to its amount: "EUR1.234,50")
NUMBERISH = re.compile(
    r"(?:[A-Z]{3})?[$€£¥₹%+\-−(]*[\d.,'\u202f\u00a0]*\d[\d.,'\u202f\u00a0]*[%)]*(?:[A-Z]{3})?[:;,]?|[$€£¥₹%]|[A-Z]{3}"
)
# a label OCR read as one word with its value ("Date:28/11/2022", "Total:€1,234.50"): letters, a colon
LABEL = re.compile(r"^[^\W\d_][^\d:]{0,30}:(?=\S)")
ZERO = re.compile(r"[^\d]*0(?:[.,]0+)?[^\d]*")
MAX_WORDS = 12  # the longest value fuzzy matching compares word by word
PIECES = 0.7  # a split value: at most this share of its words as separate runs


@dataclass(frozen=True)
class PageWords:
    number: int
    width: float
    height: float
    words: list[Word]
    source: str = "text"  # "text": the PDF's text layer; "ocr": OCR of the page's image (a scan)

    @cached_property
    def normed(self) -> list[str]:
        return [_norm(w.text) for w in self.words]

    @cached_property
    def squeezed(self) -> Squeezed:
        return Squeezed(self.words)


class Squeezed:
    """A page's letters and digits as one string, each knowing its word: a value is found in it with its
    spaces and punctuation set aside ("FR60421938861" in "FR 604 219 388 61", "logiciel" in "logi- ciel"),
    or inside a longer word ("aws.amazon.com" in "aws.amazon.com/contact-us/"), but only from the start
    of a word or of a run after punctuation to the end of one: "US" is not found in "US1234567890"."""

    def __init__(self, words: list[Word]) -> None:
        chars: list[str] = []
        self.owner: list[int] = []
        self.starts: set[int] = set()
        self.ends: set[int] = set()
        for index, word in enumerate(words):
            text = _norm(word.text)
            for k, ch in enumerate(text):
                if not ch.isalnum():
                    continue
                cjk = _cjk(ch)  # no spaces between words: any character may start or end a value
                if cjk or k == 0 or not text[k - 1].isalnum():
                    self.starts.add(len(chars))
                if cjk or k == len(text) - 1 or not text[k + 1].isalnum():
                    self.ends.add(len(chars))
                chars.append(ch)
                self.owner.append(index)
        self.text = "".join(chars)
        self.words = words

    def find(self, target: str, *, near: int | None = None, one_group: bool = False) -> list[int] | None:
        """The words ``target`` (squeezed) stands in, bounded as the class says; with ``near``, the place
        nearest that word; ``one_group``: a number written as text ("4218 3017") is not made of
        numbers from different lines or cells."""
        if not target:
            return None
        best: list[int] | None = None
        distance = 0
        at = self.text.find(target)
        while at >= 0:
            end = at + len(target) - 1
            if at in self.starts and end in self.ends:
                indices = sorted(set(self.owner[at : end + 1]))
                short = len(target) <= 3 and len(indices) > 1  # "AB" is one word, not "A" "B"
                if not short and not (one_group and not _one_group([self.words[i] for i in indices])):
                    if near is None:
                        return indices
                    gap = min(abs(i - near) for i in indices)
                    if best is None or gap < distance:
                        best, distance = indices, gap
            at = self.text.find(target, at + 1)
        return best


def _one_group(words: list[Word]) -> bool:
    """Words that print one number in groups ("4218 3017", "EUR 1 234,50"): one line, a space or so
    apart, not two cells of a table row."""
    if len({(w.block, w.line) for w in words}) > 1:
        return False
    return all(b.x0 - a.x1 <= 0.8 * max(a.y1 - a.y0, 1.0) for a, b in pairwise(words))


def _squeeze(text: str) -> str:
    return "".join(ch for ch in _norm(text) if ch.isalnum())


def _cjk(ch: str) -> bool:
    return "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"


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
            unlocated[path] = _why_not(list(cache.values()))
    return boxes, unlocated


def _why_not(pages: list[PageWords]) -> str:
    if any(page.words for page in pages):
        read = {page.source for page in pages if page.words}
        return "not found in the document's " + " or ".join(
            sorted({"text": "text", "ocr": "OCR text"}[r] for r in read)
        )
    if any(page.source == "ocr" for page in pages):
        return "no text layer, and OCR read no words (a blank or unreadable scan)"
    return "no text layer (a scan; install docvl[ocr] for OCR boxes)"


def find(value: Any, pages: list[PageWords], *, fuzzy: bool = True) -> Found | None:
    """The first place ``value`` stands on ``pages`` (in order): exact or normalised first on every page,
    then fuzzy."""
    for page in pages:
        hit = _exact(value, page)
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
            return _found(page, list(range(start, end)), "fuzzy")
    return None


def _found(page: PageWords, indices: list[int], match: str) -> Found:
    words = [page.words[i] for i in indices]
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


def _exact(value: Any, page: PageWords) -> tuple[list[int], str] | None:
    """The words ``value`` stands in on ``page`` and how it matched (exact or normalised): as a number,
    a date (or the first or last day of a printed range), a code printed as its sign or name ("USD" as
    "$", "NL" as "Nederland"), or text: whole words, inside a longer word ("aws.amazon.com/contact-us/"),
    with its spaces and punctuation set aside ("FR 604 219 388 61"), or in pieces the layout split."""
    raw = str(value).strip()
    if _numeric(value):
        number = parse_number(value)
        if number is not None:
            hit = _number_at(number, raw, page.words)
            if hit is not None:
                return hit
    if isinstance(value, str) and re.search(r"\d", value) and len(value) <= 40:
        days = possible_dates(value) or ({parse_date(value)} - {None})
        if days:
            hit = _date_at(days, raw, page.words)  # type: ignore[arg-type]
            if hit is not None:
                return hit
    if re.fullmatch(r"[A-Z]{2,3}", raw):
        # a code: the word itself, case and all ("US", not "us" of "contact us", nor "nl" of a web
        # address), else its sign or name
        for i, word in enumerate(page.words):
            if word.text.strip(".,;:()[]") == raw:
                return [i], "exact" if word.text == raw else "normalised"
        for form in printed_forms(raw):
            if not any(ch.isalnum() for ch in form):  # a sign: "$" of "$42.00" too
                at = next((i for i, w in enumerate(page.words) if w.text == form), None)
                if at is None:
                    at = next((i for i, w in enumerate(page.words) if form in w.text), None)
                hit = ([at], "normalised") if at is not None else None
            else:
                hit = _text_at(form, page)
            if hit is not None:
                return hit[0], "normalised"
        return None
    hit = _text_at(raw, page)
    if hit is None and len(_norm(raw).split()) >= 3:
        return _pieces_at(raw, page)
    return hit


def _unlabel(text: str) -> str:
    """A word without the label OCR glued to it: "Date:28/11/2022" -> "28/11/2022"."""
    return LABEL.sub("", text, count=1)


def _number_at(number: float, raw: str, words: list[Word]) -> tuple[list[int], str] | None:
    # the fewest words first: "42183017", not "Invoice Number: 42183017"; every word a part of a number
    # ("EUR", "$", "1 234,50"), so a label is never part of the box (but one OCR glued to the number, as
    # in "Total:1,234.50", is: it cannot be told apart). A share (0.15) may print as "15%".
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            window = words[i : i + n]
            texts = [_unlabel(window[0].text), *(w.text for w in window[1:])]
            if not all(NUMBERISH.fullmatch(t) for t in texts) or not _one_group(window):
                continue
            text = " ".join(texts)
            got = parse_number(text.strip(":;,"))
            if got is None:
                continue
            if abs(got - number) >= 0.005 and not ("%" in text and abs(got - number * 100) < 0.005):
                continue
            if number == 0 and not ZERO.fullmatch(text.strip(":;,")):
                continue  # 0 is not "0000" (a postcode)
            return list(range(i, i + n)), "exact" if text == raw else "normalised"
    return None


def _date_at(days: set[date], raw: str, words: list[Word]) -> tuple[list[int], str] | None:
    # the fewest words first: "28 March 2025", not "date: 28 March 2025"; then a range printed with its
    # month and year once ("du 1er au 31 Juillet 2015"), boxed whole
    years = {str(d.year)[-2:] for d in days}
    for n in (1, 2, 3, 4, 5):
        for i in range(len(words) - n + 1):
            text = " ".join([_unlabel(words[i].text), *(w.text for w in words[i + 1 : i + n])])
            if not any(y in text for y in years) and not re.search(r"\d{8}", text):
                continue  # every written date holds its year's last two digits
            if possible_dates(text.strip(":;,()")) & days:
                return list(range(i, i + n)), "exact" if text == raw else "normalised"
    for n in (2, 3, 4, 5, 6, 7):
        for i in range(len(words) - n + 1):
            text = " ".join(w.text for w in words[i : i + n])
            if not any(y in text for y in years):
                continue
            ends = date_range(text.strip(":;,()"))
            if ends is not None and (ends[0] | ends[1]) & days:
                return list(range(i, i + n)), "normalised"
    return None


def _text_at(raw: str, page: PageWords) -> tuple[list[int], str] | None:
    tokens = _norm(raw).split()
    if not tokens:
        return None
    words = page.words
    normed = page.normed
    for i in range(len(words) - len(tokens) + 1):  # whole words, the common case, first
        if normed[i] == tokens[0] and normed[i : i + len(tokens)] == tokens:
            text = " ".join(w.text for w in words[i : i + len(tokens)])
            return list(range(i, i + len(tokens))), "exact" if text == raw else "normalised"
    if len(_squeeze(raw)) <= 3:
        return None  # too short to be looked for inside other words: "AB" of "ABC-12"
    hit = page.squeezed.find(_squeeze(raw), one_group=raw.replace(" ", "").isdigit())
    return (hit, "normalised") if hit is not None else None


def _pieces_at(raw: str, page: PageWords) -> tuple[list[int], str] | None:
    """A long value the layout split: a table cell wrapped over lines with other cells between them, a
    note the model put together from label and value read in another order. Found when its words stand
    on the page in at most PIECES (share of its words) runs, each run at least one word of 4 characters
    or a number, so a sentence of common words scattered over a page does not count. Matched "fuzzy": a
    reviewer should look."""
    tokens = _norm(raw).split()
    chosen: list[int] = []
    runs = 0
    at = 0
    while at < len(tokens):
        best: list[int] | None = None
        size = 0
        for end in range(len(tokens), at, -1):  # the longest run of the value's words found together
            piece = tokens[at:end]
            if end - at == 1 and len(_squeeze(piece[0])) < 4 and not piece[0].isdigit():
                break
            hit = page.squeezed.find(_squeeze(" ".join(piece)), near=chosen[-1] if chosen else None)
            if hit is not None:
                best, size = hit, end - at
                break
        if best is None:
            return None
        chosen.extend(i for i in best if i not in chosen)
        runs += 1
        at += size
    if runs > max(2, int(len(tokens) * PIECES)):
        return None
    return sorted(chosen), "fuzzy"


def _fuzzy(value: str, words: list[Word]) -> tuple[float, int, int] | None:
    """The closest run of words (ratio FUZZY or more) to a value of words: letters may differ (OCR noise,
    a model's spelling), digits never: "562044378" is not "562044387", and a made-up number must stay
    unlocated."""
    target = _norm(value)
    if sum(ch.isalpha() for ch in target) < 4:
        return None
    digits = re.sub(r"\D", "", target)
    size = len(target.split()[:MAX_WORDS])
    normed = [_norm(w.text) for w in words]
    best: tuple[float, int, int] | None = None
    for n in {max(1, size - 1), size, size + 1}:
        for i in range(len(words) - n + 1):
            candidate = " ".join(normed[i : i + n])
            if abs(len(candidate) - len(target)) > max(3, len(target) // 4):
                continue
            if re.sub(r"\D", "", candidate) != digits:
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

    def add(page: PageWords, indices: list[int], match: str, whole_lines: bool) -> None:
        words = page.words
        match = "ocr" if page.source == "ocr" else match
        if whole_lines:  # the line(s) a value stands in: the sentence or table row it rests on
            keys = {(words[i].block, words[i].line) for i in indices}
            chosen = [w for w in words if (w.block, w.line) in keys]
        else:
            chosen = [words[i] for i in indices]
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
            hit = _exact(head, page)
            if hit is None and page.source == "ocr":  # the engine's OCR and grounding's may differ a little
                fuzzy = _fuzzy(head, page.words)
                hit = (list(range(fuzzy[1], fuzzy[2])), "fuzzy") if fuzzy is not None else None
            if hit is not None:
                start = hit[0][0]
                end = min(len(page.words), start + min(len(words), EVIDENCE_WORDS))
                add(page, list(range(start, end)), hit[1], False)
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
            hit = _exact(value, page)
            if hit is not None:
                found_on = (page, hit)
                break
        if found_on is not None:
            page, (indices, match) = found_on
            add(page, indices, match, True)
    return out
