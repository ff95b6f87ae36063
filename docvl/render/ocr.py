"""OCR for pages without a text layer (scans), with RapidOCR: PP-OCR models that ship inside the wheel,
so nothing is downloaded. Optional: `pip install 'docvl[ocr]'`. Used by engines that read text, by
planning (ranking a long scan) and by grounding (word boxes on a scan).

Measured in docs/notes/pdf-libraries.md §4: CER 9.8%, 2.6 s/page at 200 dpi on 2 cores; slower but
model-free alternatives would need system packages (tesseract), which a pip extra cannot bring.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import TYPE_CHECKING, Any

from PIL import Image

from docvl.load.document import Document, PageInfo
from docvl.load.reading_order import Word
from docvl.load.textlayer import Picture

if TYPE_CHECKING:
    from rapidocr import RapidOCR

    from docvl.render.base import Rasterizer

OCR_DPI = 200  # a PDF page is drawn at this resolution for OCR word boxes (the CER above)
OCR_MAX_SIDE = 3000  # pixels: a 24-Mpx photo is read at this size (OCR time grows with the area)


def ocr_available() -> bool:
    return importlib.util.find_spec("rapidocr") is not None and importlib.util.find_spec("onnxruntime") is not None


class OcrReader:
    """One OCR engine, loaded on first use and kept for the pages that follow. Safe to share between a
    run's document threads: one page is read at a time (ONNX Runtime already uses every core for one)."""

    def __init__(self) -> None:
        self._engine: RapidOCR | None = None
        self._lock = threading.Lock()

    def _run(self, image: Image.Image, **kwargs: Any) -> Any:
        import numpy as np

        with self._lock:
            if self._engine is None:
                logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # INFO per model file, WARNING on blanks
                from rapidocr import RapidOCR

                self._engine = RapidOCR()
                logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            return self._engine(np.asarray(image.convert("RGB")), **kwargs)

    def read(self, image: Image.Image) -> str:
        result = self._run(image)
        texts = getattr(result, "txts", None) or ()
        return "\n".join(t for t in texts if t and t.strip())

    def words(self, image: Image.Image) -> list[Word]:
        """The words OCR reads on ``image``, boxed in its pixels, one ``line`` per line OCR found (the
        ``block`` is the line too: OCR does not say which lines make a column)."""
        result = self._run(image, return_word_box=True)
        if not getattr(result, "txts", None):  # nothing read (a blank page): word_results is a placeholder
            return []
        lines = getattr(result, "word_results", None) or ()
        out: list[Word] = []
        for number, line in enumerate(lines):
            for text, _score, points in line:
                if not str(text).strip() or points is None:
                    continue
                xs = [float(p[0]) for p in points]
                ys = [float(p[1]) for p in points]
                out.append(Word(str(text).strip(), min(xs), min(ys), max(xs), max(ys), number, number))
        return out


def ocr_page_words(
    document: Document, numbers: list[int], reader: OcrReader, renderer: str = "pymupdf"
) -> dict[int, list[Word]]:
    """OCR word boxes of pages ``numbers``, in the units grounding uses: PDF points of the page as
    displayed (a PDF drawn at OCR_DPI), or the image's own pixels (an image drawn at most OCR_MAX_SIDE
    on its long side). The caller holds the run's PDF lock (drawing a PDF page is not thread-safe)."""
    from docvl.render import open_rasterizer  # the render stage draws the page as it does for the model

    by_number = {p.number: p for p in document.pages}
    raster = open_rasterizer(document, renderer)
    out: dict[int, list[Word]] = {}
    try:
        for number in numbers:
            image, sx, sy = _drawn(raster, by_number[number])
            out[number] = [
                Word(w.text, w.x0 * sx, w.y0 * sy, w.x1 * sx, w.y1 * sy, w.block, w.line) for w in reader.words(image)
            ]
    finally:
        raster.close()
    return out


def _drawn(raster: Rasterizer, info: PageInfo) -> tuple[Image.Image, float, float]:
    """The page drawn for OCR (a PDF page at OCR_DPI, an image at most OCR_MAX_SIDE on its long side) and
    the units a pixel is across and down: PDF points, or the image's own pixels."""
    if info.width_pt and info.height_pt:
        width, height = info.width_pt, info.height_pt
        scale = OCR_DPI / 72
    else:
        width, height = float(info.width), float(info.height)
        scale = min(1.0, OCR_MAX_SIDE / max(width, height, 1.0))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    images, _ = raster.render(info.number, [size])
    return images[0], width / size[0], height / size[1]


PICTURE_PAD = 2.0  # points around a picture's box read with it (its edge letters)
# a picture's words relative to its box, by (xref, width, height): a logo on every page is read once
PictureWords = dict[tuple[int, int, int], list[tuple[str, float, float, float, float, int]]]


def ocr_picture_words(
    document: Document,
    pictures: dict[int, list[Picture]],
    reader: OcrReader,
    renderer: str = "pymupdf",
    seen: PictureWords | None = None,
) -> dict[int, list[Word]]:
    """OCR words of the pictures placed on text pages (company details, a letterhead or a stamp pasted in
    as an image: text the text layer does not have), in points of the page as displayed. Each page is
    drawn at OCR_DPI as the model sees it and each picture's part of it read; a picture placed again
    (same image, same size) is not read again: ``seen`` keeps its words relative to its box. The caller
    holds the run's PDF lock."""
    from docvl.render import open_rasterizer

    seen = {} if seen is None else seen
    by_number = {p.number: p for p in document.pages}
    out: dict[int, list[Word]] = {}
    raster = None
    try:
        for number, placed in pictures.items():
            drawn: tuple[Image.Image, float, float] | None = None
            words: list[Word] = []
            for k, picture in enumerate(placed):
                x0, y0, x1, y1 = picture.box
                w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
                key = (picture.xref, round(x1 - x0), round(y1 - y0))
                if key not in seen or not picture.xref:
                    if drawn is None:
                        raster = raster or open_rasterizer(document, renderer)
                        drawn = _drawn(raster, by_number[number])
                    image, sx, sy = drawn
                    left, top = max(0.0, x0 - PICTURE_PAD), max(0.0, y0 - PICTURE_PAD)
                    crop = image.crop(
                        (
                            round(left / sx),
                            round(top / sy),
                            round((x1 + PICTURE_PAD) / sx),
                            round((y1 + PICTURE_PAD) / sy),
                        )
                    )
                    seen[key] = [
                        (t.text, (left + t.x0 * sx - x0) / w, (top + t.y0 * sy - y0) / h,
                         (left + t.x1 * sx - x0) / w, (top + t.y1 * sy - y0) / h, t.line)
                        for t in reader.words(crop)
                    ]  # fmt: skip
                # each picture's lines are lines of their own: offset past the lines of the pictures before
                base = 1000 * (k + 1)
                words.extend(
                    Word(text, x0 + a * w, y0 + b * h, x0 + c * w, y0 + d * h, base + line, base + line)
                    for text, a, b, c, d, line in seen[key]
                )
            out[number] = words
    finally:
        if raster is not None:
            raster.close()
    return out
