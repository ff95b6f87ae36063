"""PDF pages drawn by MuPDF straight at the requested pixel size (no render-then-resample)."""

from __future__ import annotations

import pymupdf
from PIL import Image

from docvl.load.document import Document
from docvl.load.pdf import open_pdf, page_done
from docvl.render.base import Size


class PyMuPDFRasterizer:
    name = "pymupdf"

    def __init__(self, document: Document) -> None:
        self._pdf = open_pdf(document.path, document.password)

    def render(self, number: int, sizes: list[Size]) -> tuple[list[Image.Image], list[str]]:
        pymupdf.TOOLS.reset_mupdf_warnings()
        page = self._pdf.load_page(number - 1)
        rect = page.rect  # rotation applied, so the matrix below scales the page as it is shown
        # One display list serves the grid image and the thumbnail: page.get_pixmap would interpret
        # the page's content stream once per call.
        display_list = page.get_displaylist()
        images = []
        for width, height in sizes:
            # A different scale on each axis: the model's preprocessing stretches the page to the grid
            # anyway, and drawing it stretched once is sharper than drawing then resampling.
            pix = display_list.get_pixmap(
                matrix=pymupdf.Matrix(width / rect.width, height / rect.height),
                alpha=False,
                colorspace=pymupdf.csRGB,
            )
            # Zero copy: the image reads MuPDF's pixel buffer in place. That view is valid only while the
            # pixmap lives, so the image holds a reference to it; the pixmap belongs to this image alone.
            # (Pillow maps the buffer only for packed rows, stride given as 0; MuPDF's rows are packed.)
            stride = 0 if pix.stride == pix.width * 3 else pix.stride
            img = Image.frombuffer("RGB", (pix.width, pix.height), pix.samples_mv, "raw", "RGB", stride, 1)
            img._docvl_pixmap = pix  # type: ignore[attr-defined]
            if img.size != (width, height):  # MuPDF rounds the pixel box; never seen off, but be exact
                img = img.resize((width, height), Image.Resampling.BICUBIC)
            images.append(img)
        page_done()  # the images hold their own pixmaps, not the store's entries
        return images, _warnings(pymupdf.TOOLS.mupdf_warnings())

    def close(self) -> None:
        self._pdf.close()


def _warnings(text: str) -> list[str]:
    out = []
    lowered = text.lower()
    if "image" in lowered and any(k in lowered for k in ("truncated", "corrupt", "padding", "cannot", "error")):
        out.append("an image on this page could not be fully decoded; the page was drawn without it or with part of it")
    elif "syntax error" in lowered or "may not be correct" in lowered:
        out.append("the page's content is damaged; it was drawn as far as it could be read")
    return out
