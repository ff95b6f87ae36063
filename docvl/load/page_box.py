"""The part of a PDF page a reader sees, in PyMuPDF's unrotated page coordinates (relative to the
CropBox, where get_text and get_drawings put everything).

The CropBox is what viewers show; a print-ready PDF also sets a TrimBox, the page after cutting: crop and
registration marks, colour bars and the printer's slug line ("book.indb 73 14/09/2018") lie between the
two and are no part of the page. A TrimBox that does not sit inside the CropBox, or leaves less than half
of it, is taken for a producer's mistake and ignored.
"""

from __future__ import annotations

import pymupdf

MIN_TRIM_SHARE = 0.5


def visible_box(page: pymupdf.Page) -> pymupdf.Rect:
    crop = page.cropbox
    box = pymupdf.Rect(0, 0, crop.width, crop.height)
    try:
        trim = page.trimbox
    except Exception:  # a malformed box entry: the CropBox stands
        return box
    trim = pymupdf.Rect(trim.x0 - crop.x0, trim.y0 - crop.y0, trim.x1 - crop.x0, trim.y1 - crop.y0)
    inside = trim & box
    if trim.is_empty or abs(inside) < MIN_TRIM_SHARE * abs(box) or abs(inside) < 0.99 * abs(trim):
        return box
    return inside
