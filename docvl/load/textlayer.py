"""The text layer of a PDF page: words with their boxes, in reading order (PyMuPDF), and whether that
text is all the page holds (so the page can be sent as text instead of an image)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import pymupdf

from docvl.load.document import Document
from docvl.load.page_kind import visible_content
from docvl.load.pdf import open_pdf, page_done
from docvl.load.reading_order import Box, Word, lines_text, page_words, read_page

__all__ = ["Order", "PageContent", "Picture", "TextLayer", "Word", "page_pictures_of", "read_contents", "reading_order"]

Order = Literal["all", "text", "none"]

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
    # What a reader skims for, kept apart for ranking: the page's headings and captions, and the titles of
    # the document outline's sections the page lies in (PDF bookmarks), outermost first.
    headings: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    # False: a page going as an image whose text was read quickly, in MuPDF's order and without headings
    # (read_contents' ``order``); read it again, in full, before ranking a long document by it
    ordered: bool = True


class TextLayer:
    """Reads words page by page from one open PDF. Image documents have no text layer (empty lists)."""

    def __init__(self, document: Document) -> None:
        # a PDF that only PDFium could read (docvl.load.pdf's second opinion) has no MuPDF text layer
        readable = document.kind == "pdf" and document.reader == "mupdf"
        self._pdf: pymupdf.Document | None = open_pdf(document.path, document.password) if readable else None
        self._outline: list[tuple[int, str, int, int]] | None = None

    def words(self, number: int) -> list[Word]:
        if self._pdf is None:
            return []
        return page_words(self._pdf.load_page(number - 1))

    def text(self, number: int) -> str:
        return lines_text(self.words(number))

    def content(self, number: int, *, order: Order = "all") -> PageContent:
        """``order``: which pages get the reading-order pass that costs most of a page's analysis (6 of
        8 ms on a page of a ruled table): "all"; "text", the pages that show nothing but text (the others
        go to the model as images: their text is read in MuPDF's order, only to say the page is not
        empty, since a short document never ranks its pages); "none" (--page-mode image: no page goes as
        text, and whether one could is not asked). A page read quickly says so (``ordered`` False)."""
        if self._pdf is None:
            return PageContent(number, "", False, "no text layer")
        page = self._pdf.load_page(number - 1)
        try:
            return self._content(number, page, order)
        finally:
            page_done()

    def _content(self, number: int, page: pymupdf.Page, order: Order) -> PageContent:
        sections = self._sections(number)
        reason: str | None = None
        if order != "all":
            reason = "--page-mode image" if order == "none" else visible_content(page).reason()
            if reason is not None:
                quick = page.get_text("text")
                if not quick.strip():
                    return PageContent(number, "", False, "no text layer", sections=sections)
                return PageContent(number, quick, False, reason, (), sections, ordered=False)
        read = read_page(page)
        text = lines_text(read.words)
        if not text.strip():
            return PageContent(number, "", False, "no text layer", sections=sections)
        if order == "all":
            reason = visible_content(page).reason()
        if reason is None:
            visible = [c for c in text if c not in " \t\n\r\u00a0"]  # isspace() counts \x1c-\x1f
            unreadable = sum(1 for c in visible if _unreadable(c))
            if unreadable > MAX_UNREADABLE * len(visible):
                reason = "unmapped font"
        return PageContent(number, text, reason is None, reason or "text only", tuple(read.headings), sections)

    def _sections(self, number: int) -> tuple[str, ...]:
        """Titles of the outline entries whose sections hold page ``number``, outermost first: an entry's
        section runs from its page to the next entry of the same or a higher level."""
        if self._outline is None:
            self._outline = _outline(self._pdf) if self._pdf is not None else []
        chain: list[str] = []
        for level, title, first, last in self._outline:
            if first <= number <= last:
                del chain[level - 1 :]
                chain.append(title)
        return tuple(chain)

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()

    def __enter__(self) -> TextLayer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unreadable(c: str) -> bool:
    # U+FFFD, private use, or a C0 control code: what a font without a Unicode map gives (PyMuPDF puts
    # the glyph's CID there when it has no Unicode)
    return c == "\ufffd" or "\ue000" <= c <= "\uf8ff" or (ord(c) < 0x20 and c not in "\t\n\r")


def _outline(pdf: pymupdf.Document) -> list[tuple[int, str, int, int]]:
    """(level, title, first page, last page) of every bookmark that points at a page."""
    try:
        toc = pdf.get_toc(simple=True)
    except Exception:  # a damaged outline is no reason to lose the document
        return []
    entries = [(int(level), str(title).strip(), int(page)) for level, title, page, *_ in toc if int(page) >= 1]
    out = []
    for k, (level, title, page) in enumerate(entries):
        end = pdf.page_count
        for later_level, _, later_page in entries[k + 1 :]:
            if later_level <= level:
                end = max(page, later_page - 1)
                break
        if title:
            out.append((level, title, page, end))
    return out


def read_contents(
    document: Document, *, order: Order = "all", numbers: Iterable[int] | None = None
) -> dict[int, PageContent]:
    """Every selected page's content (or those of ``numbers``); empty for image documents (no text
    layer). ``order``: as TextLayer.content. PyMuPDF is not thread-safe: callers that run documents on
    threads hold their PDF lock around this."""
    if document.kind != "pdf":
        return {}
    wanted = [p.number for p in document.pages] if numbers is None else list(numbers)
    with TextLayer(document) as layer:
        return {n: layer.content(n, order=order) for n in wanted}


def reading_order(page_mode: str, *, reads_pixels: bool = True) -> Order:
    """The pages a run needs in reading order before planning: a page's text is sent under --page-mode
    text and both (and to an engine that reads text), and auto sends a page as text only when it shows
    nothing else. Ranking a long document reads the rest then (docvl.planning.plan_document)."""
    if page_mode in ("text", "both") or not reads_pixels:
        return "all"
    return "none" if page_mode == "image" else "text"


# A picture placed on a text page that may print words (a letterhead, company details or a stamp pasted
# in as an image): at least this wide and tall in points; the largest few a page.
PICTURE_MIN = (36.0, 10.0)
PICTURES_A_PAGE = 8


@dataclass(frozen=True)
class Picture:
    """An image placed on a page: its xref (the same image placed on many pages, a logo, has one) and its
    box on the page as displayed, in points."""

    xref: int
    box: Box


def page_pictures_of(document: Document, numbers: list[int]) -> dict[int, list[Picture]]:
    """The pictures placed on pages ``numbers`` that are big enough to print words, largest first (none
    for image documents: the whole image is the page)."""
    if document.kind != "pdf" or document.reader != "mupdf":
        return {n: [] for n in numbers}
    with open_pdf(document.path, document.password) as pdf:
        out: dict[int, list[Picture]] = {}
        for number in numbers:
            page = pdf.load_page(number - 1)
            shown = page.rect  # the page as displayed
            found: list[Picture] = []
            for info in page.get_image_info(xrefs=True):
                rect = (pymupdf.Rect(info["bbox"]) * page.rotation_matrix) & shown
                if rect.width >= PICTURE_MIN[0] and rect.height >= PICTURE_MIN[1]:
                    found.append(Picture(int(info.get("xref") or 0), (rect.x0, rect.y0, rect.x1, rect.y1)))
            found.sort(key=lambda p: -(p.box[2] - p.box[0]) * (p.box[3] - p.box[1]))
            out[number] = found[:PICTURES_A_PAGE]
        return out


def page_words_of(document: Document, numbers: list[int]) -> dict[int, list[Word]]:
    """The words of pages ``numbers`` with their displayed-page boxes (none for images, or a PDF only
    PDFium could read): what grounding looks values up in."""
    layer = TextLayer(document)
    try:
        return {n: layer.words(n) for n in numbers}
    finally:
        layer.close()
