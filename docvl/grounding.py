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

import bisect
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property
from itertools import pairwise
from typing import Any

from docvl.load.reading_order import Word
from docvl.printed_values import (
    DATE_FILLERS,
    NUMBER_IN_TEXT,
    currency_codes,
    date_range,
    parse_date,
    parse_number,
    possible_dates,
    printed_forms,
)

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
    # "text": the PDF's text layer; "ocr": OCR of the page's image (a scan) or of its pictures; "unread": the
    # pictures of a text page that were not read (no OCR installed)
    source: str = "text"

    @cached_property
    def nfkc(self) -> list[str]:
        """The words with full-width forms folded ("￥6,695,973" -> "¥6,695,973", "１２" -> "12")."""
        return [unicodedata.normalize("NFKC", w.text) for w in self.words]

    @cached_property
    def normed(self) -> list[str]:
        return [_norm(w.text) for w in self.words]

    @cached_property
    def upright(self) -> list[Word]:
        """The words in a frame where lines read left to right, for the geometry of matching (which
        words are one group, which line is under which); boxes come from ``words``."""
        return _upright(self.words)

    @cached_property
    def squeezed(self) -> Squeezed:
        return Squeezed(self.upright)

    @cached_property
    def _tops(self) -> tuple[list[float], list[int]]:
        order = sorted(range(len(self.upright)), key=lambda i: self.upright[i].y0)
        return [self.upright[i].y0 for i in order], order

    def tops(self, low: float, high: float) -> list[int]:
        """The words (upright) whose top lies from ``low`` to ``high``, in reading order."""
        ys, order = self._tops
        return sorted(order[bisect.bisect_left(ys, low) : bisect.bisect_right(ys, high)])


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

    def find(
        self,
        target: str,
        *,
        near: int | None = None,
        one_group: bool = False,
        accept: Callable[[list[int]], bool] | None = None,
    ) -> list[int] | None:
        """The words ``target`` (squeezed) stands in, bounded as the class says; with ``near``, the place
        nearest that word; ``one_group``: a number written as text ("4218 3017") is not made of
        numbers from different lines or cells; ``accept``: a place must pass it."""
        best: list[int] | None = None
        distance = 0
        for indices in self.places(target, one_group=one_group):
            if accept is None or accept(indices):
                if near is None:
                    return indices
                gap = min(abs(i - near) for i in indices)
                if best is None or gap < distance:
                    best, distance = indices, gap
        return best

    def at_word(self, target: str, index: int) -> list[int] | None:
        """The words ``target`` (squeezed) stands in when it starts at the first letter of word
        ``index`` and ends at the end of a word or of a run after punctuation."""
        at = self.first.get(index)
        if at is None or not target or not self.text.startswith(target, at):
            return None
        end = at + len(target) - 1
        return sorted(set(self.owner[at : end + 1])) if end in self.ends else None

    @cached_property
    def first(self) -> dict[int, int]:
        """Each word's first letter or digit in ``text``."""
        out: dict[int, int] = {}
        for k, owner in enumerate(self.owner):
            out.setdefault(owner, k)
        return out

    def places(self, target: str, *, one_group: bool = False) -> Iterator[list[int]]:
        """Every place ``target`` (squeezed) stands, in reading order, bounded as the class says."""
        if not target:
            return
        at = self.text.find(target)
        while at >= 0:
            end = at + len(target) - 1
            if at in self.starts and end in self.ends:
                indices = sorted(set(self.owner[at : end + 1]))
                short = len(target) <= 3 and len(indices) > 1  # "AB" is one word, not "A" "B"
                if not short and (not one_group or _one_group([self.words[i] for i in indices])):
                    yield indices
            at = self.text.find(target, at + 1)


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
    pictured: Callable[[list[int]], dict[int, PageWords]] | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, str]]:
    """Boxes of each leaf value of ``data`` (by path), and the paths found nowhere with why. ``read``
    gives the words of pages (the text layer); ``pages``: the document's selected pages; ``pictured``:
    the words in the pictures of text pages (company details pasted in as an image), looked in for a
    value the text does not have, on its cited pages and, in a document of PICTURE_PAGES pages or
    fewer, on the others (reading pictures is OCR: seconds a page)."""
    cache: dict[int, PageWords] = {}
    pictures: dict[int, PageWords] = {}

    def words_of(numbers: list[int]) -> list[PageWords]:
        missing = [n for n in numbers if n not in cache]
        if missing:
            cache.update(read(missing))
        return [cache[n] for n in numbers if n in cache]

    def pictures_of(numbers: list[int]) -> list[PageWords]:
        assert pictured is not None
        pictures.update(pictured([n for n in numbers if n not in pictures]))
        return [pictures[n] for n in numbers if n in pictures and pictures[n].words]

    boxes: dict[str, list[dict[str, Any]]] = {}
    unlocated: dict[str, str] = {}
    for path, value in leaves(data):
        field = re.split(r"[.\[]", path, maxsplit=1)[0]
        cited = [p for p in field_pages.get(field, []) if p in pages]
        rest = [p for p in pages if p not in cited]
        found = None
        for where in (cited, rest):
            if where:
                found = find(value, words_of(where), fuzzy=(bool(cited) and where is cited) or len(pages) <= 20)
            if found is not None:
                break
        if found is None and pictured is not None:
            for where in (cited, rest if len(pages) <= PICTURE_PAGES else []):
                if where:
                    found = find(value, pictures_of(where), fuzzy=True)
                if found is not None:
                    break
        if found is not None:
            boxes[path] = found.as_dicts()
        else:
            unlocated[path] = _why_not(list(cache.values()), list(pictures.values()))
    return boxes, unlocated


PICTURE_PAGES = 20  # a document this long or shorter has every page's pictures read for a missing value


def _why_not(pages: list[PageWords], pictures: list[PageWords] | None = None) -> str:
    pictures = pictures or []
    unread = sum(1 for p in pictures if p.source == "unread")
    if any(page.words for page in pages):
        read = {page.source for page in pages if page.words}
        why = "not found in the document's " + " or ".join(sorted({"text": "text", "ocr": "OCR text"}[r] for r in read))
        if any(p.source == "ocr" for p in pictures):
            why += " or in the OCR text of its pictures"
        if unread:
            pages_ = "page" if unread == 1 else "pages"
            why += f" (the pictures on {unread} {pages_} were not read: install docvl[ocr] to read them)"
        return why
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
            hit = _number_at(number, raw, page)
            if hit is None and number < 0:
                # a credit note prints its amounts without the sign, or puts it apart ("-" over "1,12",
                # "1,12-"); the model gives them negative
                hit = _number_at(-number, raw, page)
                hit = (hit[0], "normalised") if hit is not None else None
            if hit is not None:
                return hit
    if isinstance(value, str) and re.search(r"\d", value) and len(value) <= 40:
        days = possible_dates(value) or ({parse_date(value)} - {None})
        if days:
            hit = _date_at(days, raw, page.upright)  # type: ignore[arg-type]
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
    if hit is None:
        hit = _cell_at(raw, page)
    return hit if hit is not None else _pieces_at(raw, page)


def _unlabel(text: str) -> str:
    """A word without the label OCR glued to it: "Date:28/11/2022" -> "28/11/2022"."""
    return LABEL.sub("", text, count=1)


def _number_at(number: float, raw: str, page: PageWords) -> tuple[list[int], str] | None:
    # the fewest words first: "42183017", not "Invoice Number: 42183017"; every word a part of a number
    # ("EUR", "$", "1 234,50"), so a label is never part of the box (but one OCR glued to the number, as
    # in "Total:1,234.50", is: it cannot be told apart). A share (0.15) may print as "15%".
    words, nfkc = page.upright, page.nfkc
    for n in (1, 2, 3):
        for i in range(len(words) - n + 1):
            window = words[i : i + n]
            texts = [_unlabel(nfkc[i]), *nfkc[i + 1 : i + n]]
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
    # the fewest words first: "28 March 2025", not "date: 28 March 2025"; words a space apart on one line
    # first; of overlapping readings the one whose words sit closest, so that "Aug 4, 2025  Sep 3, 2025"
    # (two cells) gives Sep 3 its own year, not "2025 Sep 3"; then a range printed with its month and
    # year once ("du 1er au 31 Juillet 2015"), boxed whole; then a date the cell wrapped onto two lines
    years = {str(d.year)[-2:] for d in days}
    # every written date holds its year's last two digits (or is eight digits, 20250328): words without
    # them are passed over before any text is joined, which is most of a page's windows
    yearish = [any(y in w.text for y in years) or re.search(r"\d{8}", w.text) is not None for w in words]

    def date_here(i: int, n: int, together: bool) -> bool:
        if not any(yearish[i : i + n]):
            return False
        window = words[i : i + n]
        text = " ".join([_unlabel(window[0].text), *(w.text for w in window[1:])])
        if not any(y in text for y in years) and not re.search(r"\d{8}", text):
            return False  # every written date holds its year's last two digits
        if together and n > 1 and not _one_group(window):
            return False
        if n > 1 and _ends_a_date(words, i):
            return False
        return bool(possible_dates(text.strip(":;,()")) & days)

    for together in (True, False):
        for n in (1, 2, 3, 4, 5):
            first = next((i for i in range(len(words) - n + 1) if date_here(i, n, together)), None)
            if first is None:
                continue
            rivals = [
                first,
                *(j for j in range(first + 1, min(first + n, len(words) - n + 1)) if date_here(j, n, together)),
            ]
            at = min(rivals, key=lambda j: _widest_gap(words[j : j + n]))
            text = " ".join(w.text for w in words[at : at + n])
            return list(range(at, at + n)), "exact" if text == raw else "normalised"
    for together in (True, False):
        for n in (2, 3, 4, 5, 6, 7):
            for i in range(len(words) - n + 1):
                if not any(yearish[i : i + n]):
                    continue
                window = words[i : i + n]
                text = " ".join(w.text for w in window)
                if not any(y in text for y in years) or (together and not _one_group(window)):
                    continue
                if _is_date(text, days) and not _ends_a_date(words, i):
                    return list(range(i, i + n)), "normalised"
    return _wrapped_date_at(days, words)


def _ends_a_date(words: list[Word], i: int) -> bool:
    """``words[i]`` is a year that closes the date before it on its line ("Aug 2, 2025" of "Aug 2,
    2025 April 10 - 30, 2025"): it is not also the start of a year-first date ("2025 April 10")."""
    if not re.fullmatch(r"\d{4}[.,]?", words[i].text):
        return False
    for n in (2, 3):
        window = words[max(0, i - n) : i + 1]
        if len(window) == n + 1 and _one_group(window) and possible_dates(" ".join(w.text for w in window)):
            return True
    return False


def _is_date(text: str, days: set[date]) -> bool:
    """``text`` is one of ``days`` written out, or a range with one of them at an end."""
    text = text.strip(":;,()")
    if possible_dates(text) & days:
        return True
    ends = date_range(text)
    return ends is not None and bool((ends[0] | ends[1]) & days)


def _widest_gap(window: list[Word]) -> float:
    return max((b.x0 - a.x1 for a, b in pairwise(window)), default=0.0)


def _wrapped_date_at(days: set[date], words: list[Word]) -> tuple[list[int], str] | None:
    """A date (or range) in a narrow cell the layout wrapped: "16 de novembro de" over "2025", or
    "1 de novembro de 2025 - 15 de" over "novembro de 2025". The end of one line (one group of words)
    and the start of the line under it, which starts where the cell does: under the nearest word
    of the line above that starts at or left of the date's first word. The fewest words, and of those
    one whose lines start together. ``words`` upright: the next line of sideways text is beside it."""
    years = {str(d.year)[-2:] for d in days}
    day = re.compile("|".join(rf"(?<!\d){d.day}(?!\d)" for d in days))
    has_day = [bool(day.search(w.text)) for w in words]
    has_year = [any(y in w.text for y in years) for w in words]
    if not any(has_day) or not any(has_year):
        return None
    joined = [_one_group([a, b]) for a, b in pairwise(words)]  # one group: every neighbour pair is

    def group(k: int, m: int) -> bool:
        return k + m <= len(words) and all(joined[k : k + m - 1])

    lines: dict[tuple[int, int], list[int]] = {}
    for k, w in enumerate(words):
        lines.setdefault((w.block, w.line), []).append(k)
    flat = {key for key, members in lines.items() if _horizontal([words[k] for k in members])}
    best: tuple[int, bool, list[int]] | None = None  # the fewest words; lines that start together
    for key in flat:
        members = lines[key]
        y0, y1 = min(words[k].y0 for k in members), max(words[k].y1 for k in members)
        starts = [words[k].x0 for k in members]
        slack = 0.5 * max(y1 - y0, 1.0)
        below = sorted(
            (
                k
                for k, w in enumerate(words)
                if (w.block, w.line) in flat
                and (k == 0 or not joined[k - 1])  # a cell's line starts a group of words
                and _under(w, y0, y1)
                and any(abs(w.x0 - x) <= slack for x in starts)
            ),
            key=lambda k: words[k].x0,
        )
        if not below:
            continue
        for i in members:
            left = [k for k in below if words[k].x0 <= words[i].x0 + slack]
            if not left:
                continue
            top = min(words[k].y0 for k in left)  # the nearest line under, then the nearest start left
            k = max((k for k in left if words[k].y0 <= top + slack), key=lambda k: words[k].x0)
            apart = abs(words[k].x0 - words[i].x0) > slack
            for n in range(1, 6):
                if not group(i, n):
                    break
                for m in (1, 2, 3):
                    if not group(k, m) or (best and best[:2] <= (n + m, apart)):
                        break
                    taken = [*range(i, i + n), *range(k, k + m)]
                    if not any(has_day[t] for t in taken) or not any(has_year[t] for t in taken):
                        continue
                    if _is_date(" ".join(words[t].text for t in taken), days):
                        end = i + n  # the line may go on in words the date reads past ("de" before the year)
                        while group(i, end - i + 1) and words[end].text.lower() in DATE_FILLERS:
                            end += 1
                        best = (n + m, apart, [*range(i, end), *range(k, k + m)])
    return (best[2], "normalised") if best else None


def _upright(words: list[Word]) -> list[Word]:
    """The words turned so that most lines read left to right, their next line under them: a page
    whose text runs down (the next line to its left) or up (to its right) in the displayed view."""
    down = up = 0
    for a, b in pairwise(words):
        if (a.block, a.line) == (b.block, b.line) and a.y1 - a.y0 > a.x1 - a.x0 and len(a.text) > 2:
            down += b.y0 > a.y0
            up += b.y0 < a.y0
    if max(down, up) <= len(words) // 4:
        return words
    if down > up:
        return [replace(w, x0=w.y0, y0=-w.x1, x1=w.y1, y1=-w.x0) for w in words]
    return [replace(w, x0=-w.y1, y0=w.x0, x1=-w.y0, y1=w.x1) for w in words]


def _horizontal(line: list[Word]) -> bool:
    """A line of words read left to right: its words of three characters or more wider than tall."""
    longer = [w for w in line if len(w.text) > 2]
    return 2 * sum(w.x1 - w.x0 >= w.y1 - w.y0 for w in longer) >= len(longer)


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


def _units(text: str) -> list[str]:
    """A value's words for matching in pieces: split at spaces and hyphens ("Berichts-Dashboards" may
    wrap after its hyphen), and CJK text, which has no spaces, into its characters."""
    out: list[str] = []
    for part in re.split(r"[\s\-‐‑]+", _norm(text)):
        if any(_cjk(ch) for ch in part):
            out.extend(ch for ch in part if ch.isalnum())
        elif part:
            out.append(part)
    return out


CELL_LINES = 6  # the most lines a wrapped cell is looked for over


def _cell_at(raw: str, page: PageWords) -> tuple[list[int], str] | None:
    """A value of two words or more wrapped in its table cell or text column ("Trennblätter" over "A4",
    "Kunstrasen" / "grün 3m" / "breit"): a first line of its words, each next line right after it in
    reading order or on the line under it, starting under the first line's start or centred under it.
    The words are the value's, in order, so it is matched "normalised", as a hyphenated word is."""
    tokens = _units(raw)
    if len(tokens) < 2 or sum(ch.isalpha() for ch in raw) < 4 or possible_dates(raw):
        return None
    if not all(_squeeze(t) in page.squeezed.text for t in tokens):
        return None  # a word of it printed nowhere: no need to look for its lines
    for n in range(len(tokens) - 1, 0, -1):  # the longest first line first
        head = _squeeze("".join(tokens[:n]))
        if len(head) < 3:
            break
        for first in page.squeezed.places(head):
            chosen = _cell_rest(tokens, n, list(first), page)
            if chosen is not None:
                return sorted(chosen), "normalised"
    return None


def _cell_rest(tokens: list[str], at: int, chosen: list[int], page: PageWords) -> list[int] | None:
    """The rest of a wrapped cell's words after ``chosen`` (the lines found so far), line by line: each
    next line starts at the next word in reading order or at a word on the line under the last one."""
    words, squeezed = page.upright, page.squeezed
    lines = 1
    while at < len(tokens):
        lines += 1
        if lines > CELL_LINES:
            return None
        last = words[chosen[-1]]
        height = max(last.y1 - last.y0, 1.0)
        below = page.tops(last.y0 + 0.5 * height, last.y1 + 1.5 * height)
        starts = dict.fromkeys([chosen[-1] + 1, *below])
        hit: list[int] | None = None
        for end in range(len(tokens), at, -1):  # the longest next line
            target = _squeeze("".join(tokens[at:end]))
            for j in starts:
                hit = squeezed.at_word(target, j)
                if hit is not None and _wraps(words, chosen, hit):
                    break
                hit = None
            if hit is not None:
                chosen = chosen + [i for i in hit if i not in chosen]
                at = end
                break
        if hit is None:
            return None
    return chosen


def _wraps(words: list[Word], before: list[int], after: list[int]) -> bool:
    """``after`` goes on from ``before`` (a cell's lines so far): the next word in reading order, on its
    line or the next, or the start of the line under its last line, aligned with its first line's start
    or centre."""
    last, first = words[before[-1]], words[after[0]]
    height = max(last.y1 - last.y0, 1.0)
    if after[0] == before[-1] + 1 and first.y0 >= last.y0 - 0.5 * height and first.y0 - last.y1 <= 1.5 * height:
        return True
    if not _under(first, last.y0, last.y1):
        return False
    top = [words[i] for i in before if words[i].y0 < words[before[0]].y1]  # the cell's first line
    left, right = min(w.x0 for w in top), max(w.x1 for w in top)
    line = [words[i] for i in after if words[i].y0 < first.y1]
    centre = (min(w.x0 for w in line) + max(w.x1 for w in line)) / 2
    return abs(first.x0 - left) <= 2 * height or abs(centre - (left + right) / 2) <= 2 * height


def _pieces_at(raw: str, page: PageWords) -> tuple[list[int], str] | None:
    """A long value the layout split: a table cell wrapped over lines with other cells between them, a
    note the model put together from label and value read in another order. Found when its words stand
    on the page in at most PIECES (share of its words) runs, each run at least 4 letters or digits (or a
    number), so a sentence of common words scattered over a page does not count; a shorter last run
    only right after or under the run before ("Media Evergreen" over "SAS"). Matched "fuzzy": a
    reviewer should look."""
    tokens = _units(raw)
    if len(tokens) < 3 or sum(ch.isalpha() for ch in raw) < 4 or possible_dates(raw):
        return None  # numbers, codes and dates are matched whole: "2025-07-08" is not "2025" + "07" + "08"
    chosen: list[int] = []
    runs = 0
    at = 0
    while at < len(tokens):
        best: list[int] | None = None
        size = 0
        for end in range(len(tokens), at, -1):  # the longest run of the value's words found together
            piece = tokens[at:end]
            squeezed = _squeeze("".join(piece))
            short = len(squeezed) < 4 and not squeezed.isdigit()
            if short and not (chosen and end == len(tokens)):
                break
            follows = (lambda at: _follows(page.upright, chosen, at)) if short else None
            hit = page.squeezed.find(squeezed, near=chosen[-1] if chosen else None, accept=follows)
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


def _follows(words: list[Word], before: list[int], after: list[int]) -> bool:
    """``after`` comes right after ``before`` in reading order, or starts the line under it."""
    last, first = words[before[-1]], words[after[0]]
    if 0 < after[0] - before[-1] <= 2:
        return True
    height = max(last.y1 - last.y0, 1.0)
    left = min(words[i].x0 for i in before)
    return _under(first, last.y0, last.y1) and abs(first.x0 - left) <= 2 * height


def _under(word: Word, y0: float, y1: float) -> bool:
    """``word`` is on the line under a line from ``y0`` to ``y1``: lower by half a line at least (a
    font's boxes may overlap the next line's), and no line between."""
    height = max(y1 - y0, 1.0)
    return word.y0 >= y0 + 0.5 * height and word.y0 - y1 <= 1.5 * height


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
    """A number, or a string that is one: digits with separators and signs, and at most a currency
    code ("EUR 1.234,50"); "DE263511087" (a VAT id) is an identifier, not the number 263511087."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, str):
        return False
    m = re.fullmatch(
        r"([A-Z]{3})?\s*([\s$€£¥₹%\d,.()+\-−]*\d[\s$€£¥₹%\d,.()+\-−]*)\s*([A-Z]{3})?",
        unicodedata.normalize("NFKC", value.strip()),
    )
    return m is not None and all(code in currency_codes() for code in (m.group(1), m.group(3)) if code)


def _norm(text: str) -> str:
    """Case, width and ligatures (NFKC: "ﬁ" -> "fi"), quotes and surrounding punctuation set aside."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"[\"'“”‘’`]", "", text)
    return " ".join(part.strip(".,;:()[]") for part in text.split() if part.strip(".,;:()[]"))


EVIDENCE_WORDS = 60  # the most words of a quoted passage boxed


def ground_answer(
    answer: str,
    pages: list[int],
    read: Callable[[list[int]], dict[int, PageWords]],
    *,
    extractive: bool,
    pictured: Callable[[list[int]], dict[int, PageWords]] | None = None,
) -> list[dict[str, Any]]:
    """Where an answer rests: ``[{page, bbox, text, match}]``, one per line. A quoting engine's passages
    ("[Page 7] ...") are found on their page; a model's answer by its numbers, dates and (when short) its
    words on the cited ``pages``, each boxed with the whole line it stands in, or, when the text does not
    have it, in the pictures of those pages (``pictured``: OCR, as for extracted values)."""
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
        if found_on is None and pictured is not None:
            for page in pictured(pages).values():
                hit = _exact(value, page)
                if hit is not None:
                    found_on = (page, hit)
                    break
        if found_on is not None:
            page, (indices, match) = found_on
            add(page, indices, match, True)
    return out
