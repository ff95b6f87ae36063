"""Read a PDF's page sizes with PyMuPDF, and turn every way a PDF can be broken into a typed error."""

from __future__ import annotations

from pathlib import Path

import pymupdf

from docvl.errors import CorruptFile, EmptyFile, EncryptedFile, NoPages, WrongPassword
from docvl.load.document import Document, DocumentWarning, PageInfo
from docvl.pages import PageSelection

# MuPDF prints its warnings to stderr by default; docvl collects them and reports them per file.
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

REPAIR_FIX = "the file is damaged (truncated download?): fetch it again, or repair it with `mutool clean` or `qpdf`"


def open_pdf(path: Path, password: str | None) -> pymupdf.Document:
    """Open and, if needed, unlock a PDF. The caller closes it."""
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        try:
            str(path).encode("utf-8")
            doc = pymupdf.open(path, filetype="pdf")
        except UnicodeEncodeError:  # a name that is not valid UTF-8: MuPDF cannot take it as a path
            doc = pymupdf.open(stream=path.read_bytes(), filetype="pdf")
    except pymupdf.EmptyFileError as exc:
        raise EmptyFile("empty file (0 bytes)", path=path, fix="fetch the file again") from exc
    except (pymupdf.FileDataError, RuntimeError) as exc:
        raise CorruptFile(
            f"corrupt or truncated PDF, no page could be read ({_mupdf_reason(exc)})",
            path=path,
            fix=REPAIR_FIX,
        ) from exc
    if doc.needs_pass:
        if not password:
            doc.close()
            raise EncryptedFile(
                "encrypted PDF: a password is needed to open it",
                path=path,
                fix="pass --password PASSWORD (or set DOCVL_PASSWORD)",
            )
        if not doc.authenticate(password):
            doc.close()
            raise WrongPassword(
                "encrypted PDF: the password given does not open it",
                path=path,
                fix="check --password; the user (open) password is needed, not only the owner password",
            )
    return doc


def load_pdf(path: Path, *, password: str | None, selection: PageSelection, dpi: float) -> Document:
    with open_pdf(path, password) as doc:
        count = doc.page_count
        if count == 0:
            raise NoPages(
                "the PDF has no pages (its page tree is empty or broken)"
                + (" and MuPDF had to repair it" if doc.is_repaired else ""),
                path=path,
                fix=REPAIR_FIX if doc.is_repaired else "check that this is the file you meant to pass",
            )
        numbers = selection.pages(count)
        if not numbers:
            raise NoPages(
                f"--pages {selection.spec} selects none of its {count} pages",
                path=path,
                fix=f"choose pages between 1 and {count}",
            )
        warnings = []
        if doc.is_repaired:
            warnings.append(_repair_warning(doc, count))
        scale = dpi / 72.0
        pages = []
        for number in numbers:
            try:
                rect = doc.load_page(number - 1).rect  # .rect already has /Rotate applied
            except Exception as exc:  # MuPDF: "cycle in page tree", "cannot find page tree", ...
                raise CorruptFile(
                    f"page {number} cannot be read, the PDF's structure is damaged ({exc})", path=path, fix=REPAIR_FIX
                ) from exc
            if rect.is_empty or rect.width < 1 or rect.height < 1:
                raise CorruptFile(f"page {number} has no size ({rect})", path=path, fix=REPAIR_FIX)
            pages.append(
                PageInfo(
                    number=number,
                    width=max(1, round(rect.width * scale)),
                    height=max(1, round(rect.height * scale)),
                    width_pt=round(rect.width, 2),
                    height_pt=round(rect.height, 2),
                )
            )
    return Document(
        path=path,
        kind="pdf",
        format="PDF",
        page_count=count,
        pages=tuple(pages),
        dpi=dpi,
        password=password,
        warnings=tuple(warnings),
    )


def _repair_warning(doc: pymupdf.Document, count: int) -> DocumentWarning:
    """MuPDF rebuilds a damaged file silently; find out which pages came back empty or damaged."""
    empty: list[int] = []
    partial: list[int] = []
    for index in range(count):
        pymupdf.TOOLS.reset_mupdf_warnings()
        try:
            page = doc.load_page(index)
            has_text = bool(page.get_text("text").strip())
            problems = pymupdf.TOOLS.mupdf_warnings()
            has_marks = has_text or bool(page.get_images()) or bool(page.get_drawings())
        except Exception:
            empty.append(index + 1)
            continue
        if not has_marks:
            empty.append(index + 1)
        elif "syntax error" in problems or "may not be correct" in problems or "not a stream" in problems:
            partial.append(index + 1)
    parts = ["the file is damaged and was repaired"]
    if partial:
        parts.append(f"page{'s' if len(partial) > 1 else ''} {_ranges(partial)} partly lost")
    if empty:
        parts.append(f"page{'s' if len(empty) > 1 else ''} {_ranges(empty)} came back empty")
    if not partial and not empty:
        parts.append("no page looks damaged, but content may still be missing")
    return DocumentWarning("repaired", "; ".join(parts), tuple(sorted(partial + empty)))


def _ranges(numbers: list[int]) -> str:
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)


def _mupdf_reason(exc: Exception) -> str:
    detail = pymupdf.TOOLS.mupdf_warnings().strip().splitlines()
    return detail[0] if detail else str(exc)
