"""`extract --highlight DIR`: a copy of each document with every located value marked, for a reviewer.

A PDF gets a highlight annotation on each value: its note says the field and the value; its colour says
how the value was matched (green: exact, blue: normalised, orange: fuzzy, purple: found by OCR on a
scan), so the matches worth a second look stand out. Boxes are in the page's displayed orientation
(docvl.grounding); they are turned back to the page's own space for the annotation. An image input
gets a PNG per page with a value on it, the boxes drawn in the same colours and each labelled with its
field (an image has nowhere to keep a note). Files are written whole (atomically) under DIR, named after
the document.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pymupdf
from PIL import Image, ImageDraw, ImageFont, ImageOps

from docvl.grounding import value_at
from docvl.load.pdf import open_pdf
from docvl.load.sniff import IMAGE_FORMATS, pillow_session
from docvl.results import DocumentResult
from docvl.write import write_atomic

COLOURS = {
    "exact": (0.36, 0.8, 0.36),
    "normalised": (0.4, 0.65, 1.0),
    "fuzzy": (1.0, 0.62, 0.2),
    "ocr": (0.75, 0.45, 0.95),
}


def highlight(
    result: DocumentResult, source: Path, folder: Path, *, password: str | None = None, name: str | None = None
) -> list[Path]:
    """Write ``source`` with ``result``'s boxes marked to ``folder``: the PDF copy, or an image's PNGs
    (``name.pN.png`` for page N of a multi-page TIFF, ``name.png`` otherwise); none when nothing was
    located."""
    if not result.field_boxes:
        return []
    name = name or source.name
    if source.suffix.lower() == ".pdf":
        return [_highlight_pdf(result, source, folder / name, password)]
    return _highlight_image(result, source, folder, name)


def _highlight_pdf(result: DocumentResult, source: Path, target: Path, password: str | None) -> Path:
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
    write_atomic(target, data)
    return target


def _highlight_image(result: DocumentResult, source: Path, folder: Path, name: str) -> list[Path]:
    # boxes are in the image's own pixels, upright (EXIF orientation applied), as grounding read them
    by_page: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for path, boxes in result.field_boxes.items():
        for box in boxes:
            by_page.setdefault(int(box["page"]), []).append((path, box))
    written: list[Path] = []
    with pillow_session(), Image.open(source, formats=IMAGE_FORMATS) as im:
        frames = getattr(im, "n_frames", 1)
        for number, marks in sorted(by_page.items()):
            im.seek(number - 1)
            page = ImageOps.exif_transpose(im).convert("RGB")
            draw = ImageDraw.Draw(page, "RGBA")
            width = max(2, round(max(page.size) / 600))
            font = ImageFont.load_default(size=max(11, round(max(page.size) / 90)))
            for path, box in marks:
                colour = tuple(round(c * 255) for c in COLOURS.get(box["match"], COLOURS["fuzzy"]))
                x0, y0, x1, y1 = box["bbox"]
                draw.rectangle(
                    (x0 - 2, y0 - 2, x1 + 2, y1 + 2), fill=(*colour, 50), outline=(*colour, 255), width=width
                )
                draw.text((x0, y0 - width - 2), path, fill=(*colour, 255), font=font, anchor="ld")
            stem = Path(name).stem
            target = folder / (f"{stem}.p{number}.png" if frames > 1 else f"{stem}.png")
            buffer = io.BytesIO()
            page.save(buffer, format="PNG")
            write_atomic(target, buffer.getvalue())
            written.append(target)
    return written
