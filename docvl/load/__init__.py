"""Load stage: files, folders and globs in; Documents (metadata and page sizes, no pixels) out."""

from __future__ import annotations

from pathlib import Path

from docvl.load.document import Document, DocumentWarning, PageInfo
from docvl.load.image import load_image
from docvl.load.pdf import load_pdf
from docvl.load.sniff import PDF_EXTENSIONS, sniff
from docvl.load.sources import Sources, discover
from docvl.pages import PageSelection

DEFAULT_DPI = 200.0

__all__ = ["DEFAULT_DPI", "Document", "DocumentWarning", "PageInfo", "Sources", "discover", "load_document"]


def load_document(
    path: str | Path,
    *,
    password: str | None = None,
    selection: PageSelection | None = None,
    dpi: float = DEFAULT_DPI,
) -> Document:
    """Identify ``path`` by content and read its page sizes. Raises an InputError naming the file and the fix."""
    path = Path(path)
    selection = selection or PageSelection.all()
    found = sniff(path)
    if found.kind == "pdf":
        doc = load_pdf(path, password=password, selection=selection, dpi=dpi)
    else:
        doc = load_image(path, selection=selection)
    mismatch = _extension_mismatch(path, found.kind, doc.format)
    if mismatch:
        doc = Document(**{**doc.__dict__, "warnings": (mismatch, *doc.warnings)})
    return doc


def _extension_mismatch(path: Path, kind: str, fmt: str) -> DocumentWarning | None:
    suffix = path.suffix.lower()
    if kind == "image" and suffix in PDF_EXTENSIONS:
        return DocumentWarning("wrong_extension", f"named {suffix} but the content is a {fmt} image; read as an image")
    if kind == "pdf" and suffix and suffix not in PDF_EXTENSIONS and len(suffix) <= 5:
        return DocumentWarning("wrong_extension", f"named {suffix} but the content is a PDF; read as a PDF")
    return None
