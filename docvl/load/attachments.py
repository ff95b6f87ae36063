"""A PDF's embedded files, saved so that the PDFs and images among them can be read as documents.

An invoice attached to a cover page, a scan attached to an email-to-PDF: the real content of a PDF is
sometimes an embedded file. ``extract_attachments`` writes the embedded PDFs and images of one PDF to a
folder the caller owns; each becomes a document of its own, shown as ``outer.pdf#invoice.pdf``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pymupdf

from docvl.errors import InputError
from docvl.load.document import DocumentWarning
from docvl.load.pdf import _open
from docvl.load.sniff import sniff

__all__ = ["Attachment", "extract_attachments"]

# Above this an embedded file is listed, not extracted: PyMuPDF hands it over as one bytes object.
MAX_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class Attachment:
    """One embedded PDF or image, written to disk."""

    name: str  # as the PDF names it
    path: Path  # where it was written
    display: str  # "outer.pdf#name", how results and messages name it
    kind: str  # "pdf" or "image"


def extract_attachments(
    path: str | Path, folder: str | Path, *, password: str | None = None, max_bytes: int = MAX_BYTES
) -> tuple[list[Attachment], list[DocumentWarning]]:
    """Write the embedded PDFs and images of the PDF ``path`` into ``folder`` (made if missing).

    Covers the document's embedded-files name tree and file attachment annotations, not attachments of
    attachments (call again on an extracted PDF for those). Returns the files written, in the PDF's
    order, and a warning for each embedded file that was left out (another kind of file, encrypted,
    too large, unreadable). Raises the load stage's InputError when ``path`` itself cannot be opened.
    """
    path, folder = Path(path), Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    doc, _, attachments_encrypted = _open(path, password)
    written: list[Attachment] = []
    left_out: list[tuple[str, str]] = []  # (name, why)
    used: set[str] = set()
    with doc:
        for name, size, read in _embedded(doc):
            if attachments_encrypted:  # opened without the encryption: the data is still ciphertext
                left_out.append((name, "encrypted"))
                continue
            if size is not None and size > max_bytes:
                left_out.append((name, f"larger than {max_bytes // (1024 * 1024)} MiB"))
                continue
            try:
                data = read()
            except Exception as exc:  # a damaged stream: MuPDF names the problem
                left_out.append((name, f"cannot be read ({exc})"))
                continue
            target = folder / _unique(_safe_name(name, len(written) + len(left_out) + 1), used)
            target.write_bytes(data)
            try:
                kind = sniff(target).kind
            except InputError as exc:  # not a PDF or image docvl reads: say what it is
                target.unlink()
                left_out.append((name, exc.message))
                continue
            written.append(Attachment(name, target, f"{path.name}#{name}", kind))
    warnings = [
        DocumentWarning("attachment_skipped", f"embedded file {_printable(name)} not read: {why}")
        for name, why in left_out
    ]
    return written, warnings


def _embedded(doc: pymupdf.Document):
    """(name, size or None, reader) of every embedded file: the name tree first, then annotations."""
    try:
        names = doc.embfile_names() if doc.embfile_count() else []
    except Exception:  # a damaged name tree
        names = []
    for name in names:
        try:
            size = int(doc.embfile_info(name).get("size", -1))
        except Exception:
            size = -1
        yield str(name), (size if size >= 0 else None), (lambda name=name: doc.embfile_get(name))
    for page in doc.pages():
        try:
            # PDF_ANNOT_* are copied from pymupdf.mupdf at import time, unseen by the type checker
            annots = list(page.annots(types=(pymupdf.PDF_ANNOT_FILE_ATTACHMENT,)))  # type: ignore[attr-defined]
        except Exception:
            continue
        for annot in annots:
            info = annot.file_info
            size = info.get("size")
            name = str(info.get("filename") or info.get("ufilename") or f"page-{page.number + 1}-attachment")
            yield name, (size if isinstance(size, int) and size >= 0 else None), annot.get_file


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def _safe_name(name: str, index: int) -> str:
    """A file name that stays inside the folder: the last path part, without separators or a leading dot."""
    base = re.split(r"[/\\]", name)[-1]
    base = _UNSAFE.sub("_", base).strip().lstrip(".")
    return base[:200] or f"attachment-{index}"


def _unique(name: str, used: set[str]) -> str:
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    candidate, n = name, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}.{suffix}" if suffix else f"{stem}-{n}"
    used.add(candidate.lower())
    return candidate


def _printable(name: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in name)
