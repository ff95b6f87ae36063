"""Read a PDF's page sizes with PyMuPDF, and turn every way a PDF can be broken into a typed error.

PDFium (pypdfium2, an extra) gives a second opinion before a PDF is refused; see ``load_pdf``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pymupdf

from docvl.errors import CorruptFile, EmptyFile, EncryptedFile, InputError, NoPages, WrongPassword
from docvl.load.document import Document, DocumentWarning, PageInfo
from docvl.load.passwords import password_candidates
from docvl.pages import PageSelection

# MuPDF prints its warnings to stderr by default; docvl collects them and reports them per file.
pymupdf.TOOLS.mupdf_display_errors(False)
pymupdf.TOOLS.mupdf_display_warnings(False)

# MuPDF keeps decoded images and fonts in one store per process, of up to 256 MB. A scan's page images are
# never used twice, so reading a 1,500-page scan filled it (351 MB peak against 109 MB at 100 pages), and
# so did a worker process reading thousands of one-page photo documents (389 MB a worker). PyMuPDF does
# not report the store's size (TOOLS.store_size returns None), so it is emptied every STORE_PAGES pages
# read or drawn in this process, whatever document they belong to: the count is process-wide because the
# store is. Memory stays flat in pages and documents. Emptying costs: in a batch of photo pages through
# two workers, every 8 pages cost 6 ms of CPU a document (workers 130 MB), every 32 pages 2 ms (190 MB),
# never 0 (389 MB) (bench/throughput.py).
STORE_PAGES = 16
_pages_since_trim = [0]  # process-wide, as MuPDF's store; a lost update between threads only delays a trim


def page_done() -> None:
    """A page was read or drawn with MuPDF: empty its store every STORE_PAGES pages."""
    _pages_since_trim[0] += 1
    if _pages_since_trim[0] >= STORE_PAGES:
        _pages_since_trim[0] = 0
        pymupdf.TOOLS.store_shrink(100)


REPAIR_FIX = "the file is damaged (truncated download?): fetch it again, or repair it with `mutool clean` or `qpdf`"
PDFIUM_HINT = "or install PDFium (`pip install 'docvl[pdfium]'`), which may read it"
NO_SIZE_FIX = (
    "print it to PDF again from the program that made it, or give its pages a size "
    '(e.g. `cpdf -mediabox "0 0 595 842" in.pdf -o out.pdf`)'
)
# How many embedded file names a warning lists before "and N more".
MAX_NAMES = 10


def open_pdf(path: Path, password: str | None) -> pymupdf.Document:
    """Open and, if needed, unlock a PDF. The caller closes it."""
    return _open(path, password)[0]


def _open(path: Path, password: str | None) -> tuple[pymupdf.Document, str | None, bool]:
    """The open document, the form of ``password`` that unlocked it, and whether the file's encryption
    was set aside because it covers the embedded files only (see ``_only_attachments_encrypted``)."""
    doc = _open_mupdf(path)
    if not doc.needs_pass:
        return doc, password, False
    candidates = password_candidates(password) if password else []
    for candidate in candidates:  # as typed first, then the normalised forms viewers also try
        if doc.authenticate(candidate):
            return doc, candidate, False
    attachments_only = _only_attachments_encrypted(doc)
    doc.close()
    if attachments_only:
        plain = _open_without_encryption(path)
        if plain is not None:
            return plain, None, True
    if not password:
        raise EncryptedFile(
            "encrypted PDF: a password is needed to open it",
            path=path,
            fix="pass --password PASSWORD (or set DOCVL_PASSWORD)",
        )
    tried = " (tried as typed and in its normalised Unicode forms)" if len(candidates) > 1 else ""
    raise WrongPassword(
        f"encrypted PDF: the password given does not open it{tried}",
        path=path,
        fix="check --password; the user (open) password is needed, not only the owner password",
    )


def _open_mupdf(path: Path, data: bytes | None = None) -> pymupdf.Document:
    pymupdf.TOOLS.reset_mupdf_warnings()
    try:
        if data is not None:
            return pymupdf.open(stream=data, filetype="pdf")
        try:
            str(path).encode("utf-8")
            return pymupdf.open(path, filetype="pdf")
        except UnicodeEncodeError:  # a name that is not valid UTF-8: MuPDF cannot take it as a path
            return pymupdf.open(stream=path.read_bytes(), filetype="pdf")
    except pymupdf.EmptyFileError as exc:
        raise EmptyFile("empty file (0 bytes)", path=path, fix="fetch the file again") from exc
    except (pymupdf.FileDataError, RuntimeError) as exc:
        raise CorruptFile(
            f"corrupt or truncated PDF, no page could be read ({_mupdf_reason(exc)})",
            path=path,
            fix=REPAIR_FIX,
        ) from exc


def _only_attachments_encrypted(doc: pymupdf.Document) -> bool:
    """Whether the file's strings and streams are stored in the clear (crypt filter /Identity) and only
    its embedded files are encrypted (/EFF): viewers open such files without asking for a password.

    MuPDF still asks for one; the /Encrypt dictionary is readable before authenticating."""
    try:
        if doc.xref_get_key(-1, "Encrypt")[0] == "null":
            return False
        version = doc.xref_get_key(-1, "Encrypt/V")[1]
        stmf, strf = (doc.xref_get_key(-1, f"Encrypt/{key}") for key in ("StmF", "StrF"))
    except Exception:  # an unreadable trailer: no reason to guess
        return False
    if version not in ("4", "5"):  # crypt filters exist from V4 on; before, everything is encrypted
        return False
    # An absent StmF/StrF means /Identity (ISO 32000-2, table 20).
    return all(kind == "null" or value == "/Identity" for kind, value in (stmf, strf))


# The trailer's /Encrypt key (not /EncryptMetadata): a delimiter follows the name.
_ENCRYPT_KEY = re.compile(rb"/Encrypt(?=[\s<\[(/%0-9])")


def _open_without_encryption(path: Path) -> pymupdf.Document | None:
    """The file opened as if it had no /Encrypt entry: its pages are in the clear, so nothing else changes.

    MuPDF has no switch for this, so the key is renamed in the bytes to an unknown name of the same
    length, which keeps every byte offset of the cross-reference table valid. (The pattern could also
    rename "/Encrypt" inside a page's own unencrypted text, which only changes that text.)"""
    plain, renamed = _ENCRYPT_KEY.subn(b"/NotUsed", path.read_bytes())
    if not renamed:
        return None
    try:
        doc = _open_mupdf(path, plain)
    except InputError:
        return None
    if doc.needs_pass:
        doc.close()
        return None
    return doc


def load_pdf(path: Path, *, password: str | None, selection: PageSelection, dpi: float) -> Document:
    try:
        doc, password, unencrypted = _open(path, password)
    except CorruptFile as exc:
        return _second_opinion(path, password, selection, dpi, exc, f"MuPDF: {_mupdf_reason(exc)}")
    with doc:
        try:
            count = doc.page_count
        except Exception as exc:  # MuPDF: "Invalid number of pages", a broken page tree
            refused: InputError = CorruptFile(
                f"corrupt PDF, its pages cannot be counted ({exc})", path=path, fix=REPAIR_FIX
            )
            return _second_opinion(path, password, selection, dpi, refused, f"MuPDF: {exc}")
        if count == 0:
            refused = NoPages(
                "the PDF has no pages (its page tree is empty or broken)"
                + (" and MuPDF had to repair it" if doc.is_repaired else ""),
                path=path,
                fix=REPAIR_FIX if doc.is_repaired else "check that this is the file you meant to pass",
            )
            return _second_opinion(path, password, selection, dpi, refused, "MuPDF found no pages")
        numbers = _selected(path, selection, count)
        warnings = []
        if doc.is_repaired:
            warnings.append(_repair_warning(doc, count))
        scale = dpi / 72.0
        pages = []
        no_size: list[int] = []
        attached_on: list[tuple[int, str]] = []  # file attachment annotations: (page, file name)
        for number in numbers:
            try:
                page = doc.load_page(number - 1)
                rect = page.rect  # .rect already has /Rotate applied
            except Exception as exc:  # MuPDF: "cycle in page tree", "cannot find page tree", ...
                raise CorruptFile(
                    f"page {number} cannot be read, the PDF's structure is damaged ({exc})", path=path, fix=REPAIR_FIX
                ) from exc
            if _has_no_size(doc, page):
                no_size.append(number)
                continue
            attached_on += [(number, name) for name in _attached_files(page)]
            pages.append(
                PageInfo(
                    number=number,
                    width=max(1, round(rect.width * scale)),
                    height=max(1, round(rect.height * scale)),
                    width_pt=round(rect.width, 2),
                    height_pt=round(rect.height, 2),
                )
            )
        _check_sizes(path, selection, numbers, no_size, warnings)
        xfa = _xfa_warning(doc)
        if xfa:
            warnings.append(xfa)
        embedded = _embedded_names(doc)
        warnings += _attachment_warnings(path, embedded, attached_on, encrypted=unencrypted)
    return Document(
        path=path,
        kind="pdf",
        format="PDF",
        page_count=count,
        pages=tuple(pages),
        dpi=dpi,
        password=password,
        warnings=tuple(warnings),
        attachments=tuple(dict.fromkeys([*embedded, *(name for _, name in attached_on)])),
    )


def _selected(path: Path, selection: PageSelection, count: int) -> list[int]:
    numbers = selection.pages(count)
    if not numbers:
        raise NoPages(
            f"--pages {selection.spec} selects none of its {count} pages",
            path=path,
            fix=f"choose pages between 1 and {count}",
        )
    return numbers


def _check_sizes(
    path: Path, selection: PageSelection, numbers: list[int], no_size: list[int], warnings: list[DocumentWarning]
) -> None:
    """Pages without a size are skipped by number; a document of nothing else is an error."""
    if not no_size:
        return
    pages = f"page{'s' if len(no_size) > 1 else ''} {_ranges(no_size)}"
    if len(no_size) == len(numbers):
        if len(numbers) == 1:
            every = "its only page has" if selection.is_all else "the selected page has"
        else:
            every = "all its pages have" if selection.is_all else "every selected page has"
        raise CorruptFile(
            f"{every} no size (empty MediaBox on {pages}), so there is nothing to draw",
            path=path,
            fix=NO_SIZE_FIX if selection.is_all else f"choose other pages with --pages, or {NO_SIZE_FIX}",
        )
    warnings.append(DocumentWarning("no_size", f"skipped {pages}: no size (empty MediaBox)", tuple(no_size)))


def _has_no_size(doc: pymupdf.Document, page: pymupdf.Page) -> bool:
    """Whether the page's MediaBox is empty. MuPDF (like PDFium) draws such a page at US Letter size,
    a blank page that would cost a model call, so the box the file declares is checked too."""
    rect = page.rect
    if rect.is_empty or rect.width < 1 or rect.height < 1:
        return True
    try:
        box = _declared_mediabox(doc, page.xref)
    except Exception:  # a damaged page object (MuPDF: "invalid key in dict", "bad xref"): MuPDF's size stands
        box = None
    if box is None:  # none declared (MuPDF's Letter default stands) or one docvl cannot read
        return False
    return len(box) < 4 or abs(box[2] - box[0]) < 1 or abs(box[3] - box[1]) < 1


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)")


def _declared_mediabox(doc: pymupdf.Document, xref: int) -> list[float] | None:
    """The /MediaBox numbers of the page object ``xref`` or of the page-tree node it inherits from."""
    for _ in range(64):  # a page tree deeper than this is a cycle
        kind, value = doc.xref_get_key(xref, "MediaBox")
        if kind == "xref":  # the array is an object of its own
            value = doc.xref_object(int(value.split()[0]), compressed=True)
            kind = "array" if value.lstrip().startswith("[") else kind
        if kind == "array":
            inner = value.strip()[1:-1]
            if " R" in inner:  # numbers given as references: leave it to MuPDF
                return None
            return [float(n) for n in _NUMBER.findall(inner)]
        if kind != "null":
            return None
        kind, parent = doc.xref_get_key(xref, "Parent")
        if kind != "xref":
            return None
        xref = int(parent.split()[0])
    return None


def _xfa_warning(doc: pymupdf.Document) -> DocumentWarning | None:
    """An XFA form's real form is XML in /AcroForm /XFA that only Adobe's viewers lay out; MuPDF and
    every other library draw the PDF's own pages, a copy of the form or just a "Please wait..." page."""
    try:
        catalog = doc.pdf_catalog()
        if doc.xref_get_key(catalog, "AcroForm/XFA")[0] == "null":
            return None
        dynamic = doc.xref_get_key(catalog, "NeedsRendering")[1] == "true"
        if not dynamic and doc.page_count:
            dynamic = "please wait" in doc.load_page(0).get_text("text").lower()
    except Exception:  # a damaged catalog: the form is read as its pages show it, as before
        return None
    print_it = "open it in Adobe Acrobat Reader and print it to PDF, then pass that PDF to docvl"
    if dynamic:
        message = (
            "an XFA form: only its static page is read (the form itself is XML that only Adobe Reader draws; "
            f'this page may just say "Please wait..."): {print_it}'
        )
    else:
        message = (
            "an XFA form: only its static pages are read (the PDF's copy of the form; what only its XFA XML "
            f"holds may be missing): if something is missing, {print_it}"
        )
    return DocumentWarning("xfa_form", message)


def _embedded_names(doc: pymupdf.Document) -> list[str]:
    try:
        return [str(name) for name in doc.embfile_names()] if doc.embfile_count() else []
    except Exception:  # a damaged name tree: the pages are still read
        return []


def _attached_files(page: pymupdf.Page) -> list[str]:
    """Files attached to the page by file attachment annotations (the paper-clip icon)."""
    names = []
    try:
        # PDF_ANNOT_* are copied from pymupdf.mupdf at import time, unseen by the type checker
        for annot in page.annots(types=(pymupdf.PDF_ANNOT_FILE_ATTACHMENT,)):  # type: ignore[attr-defined]
            info = annot.file_info
            names.append(str(info.get("filename") or info.get("ufilename") or "unnamed"))
    except Exception:  # a damaged annotation is no reason to lose the page
        pass
    return names


def _attachment_warnings(
    path: Path, embedded: list[str], attached_on: list[tuple[int, str]], *, encrypted: bool
) -> list[DocumentWarning]:
    names = list(dict.fromkeys([*embedded, *(name for _, name in attached_on)]))
    pages = tuple(sorted({number for number, _ in attached_on}))
    if not names and not encrypted:
        return []
    shown = ", ".join(_printable(name) for name in names[:MAX_NAMES])
    more = f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else ""
    listed = f" ({shown}{more})" if names else ""
    if encrypted:  # the file was opened without its encryption, which covers only the attachments
        message = (
            f"only the PDF's embedded files{listed} are encrypted: its pages were read without a password, "
            "as viewers do; the embedded files were not read"
        )
        return [DocumentWarning("encrypted_attachments", message, pages)]
    # true with --attachments too: the embedded files are then documents of their own, listed after this one
    message = (
        f"{len(names)} embedded file{'s' if len(names) > 1 else ''}{listed}: not part of this document's pages; "
        "pass --attachments to read the PDFs and images among them as documents of their own "
        f"(or save them with `pdfdetach -saveall {shlex.quote(path.name)}`)"
    )
    return [DocumentWarning("attachments", message, pages)]


def _printable(name: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in name)


def _second_opinion(
    path: Path,
    password: str | None,
    selection: PageSelection,
    dpi: float,
    refused: InputError,
    reason: str,
) -> Document:
    """MuPDF refused the file: load it with PDFium if PDFium reads any page, else raise ``refused``.

    Fuzzed and hand-made files that one library rejects another often reads (a /Count of 0 or -1 in the
    page tree: PDFium walks /Kids). Such a document has no text layer and is drawn by PDFium."""
    try:
        pdf = pdfium_document(path, password)
    except ImportError:
        raise type(refused)(refused.message, path=path, fix=f"{refused.fix}; {PDFIUM_HINT}") from refused
    except Exception:  # PDFium refuses it too: MuPDF's reason stands
        raise refused from None
    try:
        count = len(pdf)
        if count == 0:
            raise refused
        numbers = _selected(path, selection, count)
        scale = dpi / 72.0
        pages, no_size = [], []
        for number in numbers:
            try:
                page = pdf[number - 1]
            except Exception as exc:
                raise CorruptFile(
                    f"page {number} cannot be read by MuPDF or PDFium ({exc})", path=path, fix=REPAIR_FIX
                ) from exc
            try:
                width, height = page.get_size()  # /Rotate applied, like MuPDF's page.rect
                box = page.get_mediabox()  # as declared (PDFium, too, draws an empty box at Letter size)
            finally:
                page.close()
            if width < 1 or height < 1 or abs(box[2] - box[0]) < 1 or abs(box[3] - box[1]) < 1:
                no_size.append(number)
                continue
            pages.append(
                PageInfo(
                    number=number,
                    width=max(1, round(width * scale)),
                    height=max(1, round(height * scale)),
                    width_pt=round(width, 2),
                    height_pt=round(height, 2),
                )
            )
        warnings = [
            DocumentWarning(
                "read_with_pdfium",
                f"MuPDF could not read this PDF ({reason}); read with PDFium instead: no text layer, "
                "pages drawn by PDFium",
            )
        ]
        _check_sizes(path, selection, numbers, no_size, warnings)
        embedded = _pdfium_attachment_names(pdf)
        warnings += _attachment_warnings(path, embedded, [], encrypted=False)
    finally:
        pdf.close()
    return Document(
        path=path,
        kind="pdf",
        format="PDF",
        page_count=count,
        pages=tuple(pages),
        dpi=dpi,
        password=password,
        warnings=tuple(warnings),
        reader="pdfium",
        attachments=tuple(embedded),
    )


def pdfium_document(path: Path, password: str | None):  # -> pypdfium2.PdfDocument
    """Open ``path`` with PDFium, trying each form of the password. Raises ImportError without
    pypdfium2, pypdfium2.PdfiumError when PDFium cannot read it. The caller closes it."""
    import pypdfium2 as pdfium

    try:
        str(path).encode("utf-8")
        source: str | bytes = str(path)
    except UnicodeEncodeError:  # as for MuPDF: a name that is not valid UTF-8 is read as bytes
        source = path.read_bytes()
    candidates = password_candidates(password) if password else [None]
    for k, candidate in enumerate(candidates):
        try:
            return pdfium.PdfDocument(source, password=candidate)
        except pdfium.PdfiumError as exc:
            if k == len(candidates) - 1 or "password" not in str(exc).lower():
                raise
    raise AssertionError("unreachable")


def _pdfium_attachment_names(pdf) -> list[str]:
    try:
        return [pdf.get_attachment(k).get_name() for k in range(pdf.count_attachments())]
    except Exception:
        return []


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
