"""PDF pages drawn by PDFium (pypdfium2), straight at the requested pixel size."""

from __future__ import annotations

from PIL import Image

from docvl.errors import RenderError, UsageError, WrongPassword
from docvl.load.document import Document
from docvl.load.pdf import pdfium_document
from docvl.render.base import Size


class PdfiumRasterizer:
    name = "pdfium"

    def __init__(self, document: Document) -> None:
        try:
            import pypdfium2 as pdfium
            import pypdfium2.raw as pdfium_c
        except ImportError as exc:
            raise UsageError("--renderer pdfium needs pypdfium2", fix="pip install 'docvl[pdfium]'") from exc
        self._pdfium, self._c = pdfium, pdfium_c
        try:
            # document.password is the form of it that opened the file; names that are not UTF-8 work too
            self._pdf = pdfium_document(document.path, document.password)
        except pdfium.PdfiumError as exc:  # MuPDF (the load stage) opened it; PDFium is stricter
            if "password" in str(exc).lower():
                raise WrongPassword(
                    "PDFium does not accept the password", path=document.path, fix="check --password"
                ) from exc
            raise RenderError(
                f"PDFium cannot read the file ({exc})",
                path=document.path,
                fix="MuPDF repaired it on loading: use the default renderer (--renderer pymupdf)",
            ) from exc

    def render(self, number: int, sizes: list[Size]) -> tuple[list[Image.Image], list[str]]:
        page = self._pdf[number - 1]
        c = self._c
        images = []
        try:
            for width, height in sizes:
                # PdfPage.render only scales uniformly; FPDF_RenderPageBitmap takes the target box, so
                # the page is drawn once, stretched to the grid, like the other renderers.
                bitmap = self._pdfium.PdfBitmap.new_native(width, height, c.FPDFBitmap_BGR, rev_byteorder=True)
                bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
                c.FPDF_RenderPageBitmap(bitmap, page, 0, 0, width, height, 0, c.FPDF_ANNOT | c.FPDF_LCD_TEXT)
                images.append(bitmap.to_pil().convert("RGB"))
        finally:
            page.close()
        return images, []

    def close(self) -> None:
        self._pdf.close()
