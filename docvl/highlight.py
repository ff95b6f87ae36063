"""`extract --highlight DIR`: a copy of each PDF with a highlight on every located value, for a reviewer.

Each highlight's note says the field and the value; its colour says how the value was matched (green:
exact, blue: normalised, orange: fuzzy, purple: found by OCR on a scan), so the matches worth a second look stand out. Boxes are in the
page's displayed orientation (docvl.grounding); they are turned back to the page's own space for the
annotation. The copy is written whole (atomically) under DIR, named after the document.
"""

from __future__ import annotations

from pathlib import Path

import pymupdf

from docvl.grounding import value_at
from docvl.load.pdf import open_pdf
from docvl.results import DocumentResult
from docvl.write import write_atomic

COLOURS = {"exact": (0.36, 0.8, 0.36), "normalised": (0.4, 0.65, 1.0), "fuzzy": (1.0, 0.62, 0.2), "ocr": (0.75, 0.45, 0.95)}


def highlight(
    result: DocumentResult, source: Path, folder: Path, *, password: str | None = None, name: str | None = None
) -> Path | None:
    """Write ``source`` with ``result``'s boxes highlighted to ``folder``; None when there is nothing to
    highlight (no box, or not a PDF)."""
    if not result.field_boxes or source.suffix.lower() != ".pdf":
        return None
    values = result.data or {}
    with open_pdf(source, password) as pdf:
        for path, boxes in result.field_boxes.items():
            for box in boxes:
                page = pdf[int(box["page"]) - 1]
                rect = pymupdf.Rect(box["bbox"]) * page.derotation_matrix
                annot = page.add_highlight_annot(rect)
                annot.set_colors(stroke=COLOURS.get(box["match"], COLOURS["fuzzy"]))
                annot.set_info(title=f"docvl: {path}", content=f"{path} = {value_at(values, path)!r} ({box['match']})")
                annot.update()
        data = pdf.tobytes(garbage=1, deflate=True)
    target = folder / (name or source.name)
    write_atomic(target, data)
    return target
