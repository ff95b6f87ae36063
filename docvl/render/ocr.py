"""OCR for pages without a text layer (scans), with RapidOCR: PP-OCR models that ship inside the wheel,
so nothing is downloaded. Optional: `pip install 'docvl[ocr]'`. Used by engines that read text.

Measured in docs/notes/pdf-libraries.md §4: CER 9.8%, 2.6 s/page at 200 dpi on 2 cores; slower but
model-free alternatives would need system packages (tesseract), which a pip extra cannot bring.
"""

from __future__ import annotations

import importlib.util
import logging
from typing import TYPE_CHECKING

from PIL import Image

if TYPE_CHECKING:
    from rapidocr import RapidOCR


def ocr_available() -> bool:
    return importlib.util.find_spec("rapidocr") is not None and importlib.util.find_spec("onnxruntime") is not None


class OcrReader:
    """One OCR engine, loaded on first use and kept for the pages that follow."""

    def __init__(self) -> None:
        self._engine: RapidOCR | None = None

    def read(self, image: Image.Image) -> str:
        if self._engine is None:
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # INFO for every model file, WARNING for blank pages
            from rapidocr import RapidOCR

            self._engine = RapidOCR()
            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
        import numpy as np

        result = self._engine(np.asarray(image.convert("RGB")))
        texts = getattr(result, "txts", None) or ()
        return "\n".join(t for t in texts if t and t.strip())
