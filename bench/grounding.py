"""How well grounding finds the golden values of tests/corpus invoices on their pages, and whether each box
holds the value's text.

    python bench/grounding.py

For every non-null golden value of the born-digital invoices (line items included; the template key
`desc` left out), docvl.grounding looks for it in the document as extraction would (the value as the
golden record writes it), and the bench reads the text inside the box back with PyMuPDF
(page.get_textbox, through the page's derotation matrix): located = share of golden values found;
contained = share of located boxes whose read-back text holds the value (normalised: numbers compared
as numbers, dates as dates, text case- and space-folded, fuzzy matches at 0.85). Time added per
document is measured in the same run against loading and reading the text layer alone. The baseline,
also in the same run, is a plain `page.search_for(str(value))` (PyMuPDF's own search): what one gets
without docvl's number, date and string normalisation. Scans (no text layer) are not located yet.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
import time
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _docs import corpus

from docvl.grounding import FUZZY, PageWords, _norm, _numeric, find, leaves
from docvl.load import load_document
from docvl.load.textlayer import page_words_of
from docvl.printed_values import parse_date, parse_number


def holds(text: str, value) -> bool:
    """The read-back text holds the value: its digits in order (numbers, however grouped), its date, or its
    words (normalised, or fuzzily)."""
    text = " ".join(text.split())
    number = parse_number(value) if _numeric(value) else None
    if number is not None:
        shown = value if isinstance(value, str) else f"{number:.2f}".rstrip("0").rstrip(".")
        digits = re.sub(r"\D", "", shown)
        return digits in re.sub(r"\D", "", text)
    day = parse_date(value) if isinstance(value, str) else None
    if day is not None:
        words = text.split()
        return any(parse_date(" ".join(words[i : i + n])) == day for n in (1, 2, 3, 4) for i in range(len(words)))
    a, b = _norm(text), _norm(str(value))
    # get_textbox reads a box's words in its own order: the same words in another order count
    return b in a or set(b.split()) <= set(a.split()) or difflib.SequenceMatcher(None, a, b).ratio() >= FUZZY


def main() -> None:
    invoices = corpus() / "invoices"
    located = contained = total = base = 0
    ground_s = read_s = 0.0
    misses = []
    for gold_path in sorted(invoices.glob("*.json")):
        if gold_path.name == "manifest.json":
            continue
        pdf = gold_path.with_suffix(".pdf")
        record = json.loads(gold_path.read_text())[0]
        record.pop("desc", None)
        document = load_document(pdf)
        numbers = [p.number for p in document.pages]
        t = time.perf_counter()
        words = page_words_of(document, numbers)
        read_s += time.perf_counter() - t
        pages = [PageWords(p.number, p.width_pt or 0, p.height_pt or 0, words[p.number]) for p in document.pages]
        with pymupdf.open(pdf) as raw:
            for path, value in leaves(record):
                total += 1
                if any(raw[n - 1].search_for(str(value)) for n in numbers):
                    base += 1
                t = time.perf_counter()
                found = find(value, pages)
                ground_s += time.perf_counter() - t
                if found is None:
                    misses.append(f"{pdf.stem}: {path}={value!r}")
                    continue
                located += 1
                page = raw[found.page - 1]
                rect = pymupdf.Rect(found.boxes[0]) * page.derotation_matrix
                text = " ".join(
                    page.get_textbox(pymupdf.Rect(rect.x0 - 1, rect.y0 - 1, rect.x1 + 1, rect.y1 + 1)).split()
                )
                if len(found.boxes) > 1 or holds(text, value):
                    contained += 1
                else:
                    misses.append(f"{pdf.stem}: {path}={value!r} boxed {text!r}")
    docs = len([p for p in invoices.glob("*.json") if p.name != "manifest.json"])
    print(f"golden values: {total} in {docs} invoices (born-digital)")
    print(
        f"located: {located}/{total} = {located / total:.3f}  (baseline page.search_for(str(value)): {base}/{total} = {base / total:.3f})"
    )
    print(f"boxes holding their value's text: {contained}/{located} = {contained / max(located, 1):.3f}")
    print(
        f"time: grounding {ground_s / docs * 1000:.1f} ms a document, on top of reading the text layer {read_s / docs * 1000:.1f} ms"
    )
    if misses:
        print("not located or not contained:")
        for miss in misses:
            print("  " + miss)


if __name__ == "__main__":
    main()
