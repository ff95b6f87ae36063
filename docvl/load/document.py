"""What the load stage hands on: a document's metadata, never its page content.

Pages are read lazily by the render stage, so a 1,500-page PDF costs a list of page sizes here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

DocumentKind = Literal["pdf", "image"]
# Which library reads a PDF: MuPDF, or PDFium when MuPDF could not (the render stage then draws it with
# PDFium whatever --renderer says, and the text layer is empty).
PdfReader = Literal["mupdf", "pdfium"]


@dataclass(frozen=True)
class PageInfo:
    """One page as the planner sees it.

    ``width``/``height`` are nominal pixels: an image's own pixels (after EXIF rotation), or a PDF page's
    size in points scaled to the load resolution (``--dpi``). Only their ratio and, on exact ties between
    grids of the same shape, their area matter to tiling; the render stage draws the page straight at
    the size of the chosen grid.
    """

    number: int  # 1-based physical page (or frame) in the source
    width: int
    height: int
    width_pt: float | None = None  # PDF pages only
    height_pt: float | None = None


@dataclass(frozen=True)
class DocumentWarning:
    """Something was lost or guessed while loading; the document is still processed."""

    code: str
    message: str
    pages: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "pages": list(self.pages)}


@dataclass(frozen=True)
class Document:
    path: Path
    kind: DocumentKind
    format: str  # "PDF", "PNG", "JPEG", "TIFF", ...
    page_count: int  # pages in the source, before --pages
    pages: tuple[PageInfo, ...]  # the selected pages, in order
    dpi: float = 72.0  # resolution PageInfo sizes were measured at (PDF only)
    password: str | None = field(default=None, repr=False)  # the form of it that opened the file
    warnings: tuple[DocumentWarning, ...] = ()
    reader: PdfReader = "mupdf"  # PDF only
    attachments: tuple[str, ...] = ()  # names of a PDF's embedded files (docvl.load.attachments reads them)

    @property
    def name(self) -> str:
        return self.path.name
