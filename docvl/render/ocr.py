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

from docvl.load.document import Document
from docvl.load.reading_order import Word

if TYPE_CHECKING:
    from rapidocr import RapidOCR

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
            info = by_number[number]
            if info.width_pt and info.height_pt:
                width, height = info.width_pt, info.height_pt
                scale = OCR_DPI / 72
            else:
                width, height = float(info.width), float(info.height)
                scale = min(1.0, OCR_MAX_SIDE / max(width, height, 1.0))
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            images, _ = raster.render(number, [size])
            sx, sy = width / size[0], height / size[1]
            out[number] = [
                Word(w.text, w.x0 * sx, w.y0 * sy, w.x1 * sx, w.y1 * sy, w.block, w.line)
                for w in reader.words(images[0])
            ]
    finally:
        raster.close()
    return out
