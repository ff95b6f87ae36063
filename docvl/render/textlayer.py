"""The text layer of a PDF page: words with their boxes, in reading order (PyMuPDF), and whether that
text is all the page holds (so the page can be sent as text instead of an image)."""

from __future__ import annotations

from dataclasses import dataclass

import pymupdf

from docvl.load.document import Document
from docvl.load.pdf import open_pdf

# A page goes as text only when nothing on it needs eyes: raster images cover at most this share of it
# (a small logo is fine), and it draws at most this many vector path items (a header rule or an
# underline is fine; a ruled table or a chart draws dozens).
MAX_IMAGE_AREA = 0.02
MAX_VECTOR_ITEMS = 4
# Fonts without a Unicode map come out as U+FFFD or private-use code points: such text cannot stand in
# for the page.
MAX_UNREADABLE = 0.05


@dataclass(frozen=True)
class PageContent:
    """What the planner needs to know of a page's content."""

    number: int
    text: str  # reading order, one line per text line; "" when the page has no text layer
    text_only: bool  # the text is all the page holds
    why: str  # why the page is (not) text only, in words


@dataclass(frozen=True)
class Word:
    text: str
    # Box in PDF points, origin top-left of the page as displayed (rotation applied).
    x0: float
    y0: float
    x1: float
    y1: float
    block: int
    line: int


class TextLayer:
    """Reads words page by page from one open PDF. Image documents have no text layer (empty lists)."""

    def __init__(self, document: Document) -> None:
        self._pdf: pymupdf.Document | None = (
            open_pdf(document.path, document.password) if document.kind == "pdf" else None
        )

    def words(self, number: int) -> list[Word]:
        if self._pdf is None:
            return []
        return _words(self._pdf.load_page(number - 1))

    def text(self, number: int) -> str:
        return _lines(self.words(number))

    def content(self, number: int) -> PageContent:
        if self._pdf is None:
            return PageContent(number, "", False, "no text layer")
        page = self._pdf.load_page(number - 1)
        text = _lines(_words(page))
        if not text.strip():
            return PageContent(number, "", False, "no text layer")
        area = abs(page.rect) or 1.0
        covered = sum(abs(pymupdf.Rect(info["bbox"]) & page.rect) for info in page.get_image_info())
        if covered / area > MAX_IMAGE_AREA:
            return PageContent(number, text, False, "picture")
        items = sum(len(path["items"]) for path in page.get_drawings())
        if items > MAX_VECTOR_ITEMS:
            return PageContent(number, text, False, "drawings")
        visible = [c for c in text if not c.isspace()]
        unreadable = sum(1 for c in visible if c == "\ufffd" or "\ue000" <= c <= "\uf8ff")
        if unreadable > MAX_UNREADABLE * len(visible):
            return PageContent(number, text, False, "unmapped font")
        return PageContent(number, text, True, "text only")

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()

    def __enter__(self) -> TextLayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _words(page: pymupdf.Page) -> list[Word]:
    # sort=True orders blocks top-to-bottom, left-to-right: the content-stream order MuPDF gives
    # otherwise often puts footers first (notes/pdf-libraries.md §3).
    return [
        Word(text=w[4], x0=w[0], y0=w[1], x1=w[2], y1=w[3], block=w[5], line=w[6])
        for w in page.get_text("words", sort=True)
    ]


def _lines(words: list[Word]) -> str:
    """One line of text per (block, line) of the text layer."""
    lines: list[str] = []
    key = None
    for w in words:
        if (w.block, w.line) != key:
            lines.append(w.text)
            key = (w.block, w.line)
        else:
            lines[-1] += " " + w.text
    return "\n".join(lines)


def read_contents(document: Document) -> dict[int, PageContent]:
    """Every selected page's content; empty for image documents (no text layer). PyMuPDF is not
    thread-safe: callers that run documents on threads hold their PDF lock around this."""
    if document.kind != "pdf":
        return {}
    with TextLayer(document) as layer:
        return {p.number: layer.content(p.number) for p in document.pages}
