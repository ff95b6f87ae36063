"""Tell what a file is from its bytes, not its name.

Every Pillow call on an input image goes through :func:`pillow_session`, so library warnings are
recorded per call (and become docvl warnings) instead of reaching stderr with site-packages paths.
"""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from docvl.errors import CorruptFile, EmptyFile, FileNotFound, UnreadableFile, UnsupportedFile

try:  # HEIC/HEIF is what phones save photos as (receipts, whiteboards); pillow-heif is a core dependency
    import pillow_heif

    # Adds the "HEIF" opener to Pillow's registry. Pillow's registry is process-wide by design; this runs
    # once, on first import of this module, and only adds an opener (it changes no other behaviour).
    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except ImportError:  # an install that skipped it: HEIC files are then refused with the fix to install it
    HEIF_AVAILABLE = False

# Raster formats docvl reads, as Pillow's openers are named (the JPEG opener also returns MPO, which
# is what many cameras write). AVIF and JPEG 2000 are Pillow's own; HEIF comes from pillow-heif.
IMAGE_FORMATS = ("PNG", "JPEG", "TIFF", "WEBP", "GIF", "BMP", "HEIF", "AVIF", "JPEG2000")
IMAGE_EXTENSIONS = {
    ".png",
    ".jpg",
    ".jpeg",
    ".jpe",
    ".tif",
    ".tiff",
    ".webp",
    ".gif",
    ".bmp",
    ".heic",
    ".heif",
    ".avif",
    ".jp2",
    ".j2k",
    ".jpx",
}
PDF_EXTENSIONS = {".pdf"}
DOCUMENT_EXTENSIONS = IMAGE_EXTENSIONS | PDF_EXTENSIONS
SUPPORTED_HINT = "docvl reads PDF files and PNG, JPEG, TIFF, WebP, GIF, BMP, HEIC/HEIF, AVIF and JPEG 2000 images"
# A damaged image is one the user can usually re-save or fetch again; PDF advice (mutool) does not apply.
IMAGE_FIX = "open it in an image viewer and save a copy (or export it again from its source), or fetch it again"

# Pillow's warning filters (warnings.catch_warnings) and ImageFile.LOAD_TRUNCATED_IMAGES are process-wide,
# and documents are loaded and rendered on several threads at once. Every docvl use of either holds this
# lock, so two threads never interleave their save/restore of that state (which would leave it changed for
# good). The cost: image decoding by docvl is serialised across threads; PDF work is not affected.
_PILLOW_LOCK = threading.Lock()
# A fork while another thread holds the lock (ProcessPoolExecutor workers) must not leave the child with a
# lock nobody will release. This is what the standard library's logging module does for its own lock.
if hasattr(_PILLOW_LOCK, "_at_fork_reinit"):
    os.register_at_fork(after_in_child=_PILLOW_LOCK._at_fork_reinit)


@contextlib.contextmanager
def pillow_session() -> Iterator[list[warnings.WarningMessage]]:
    """Hold the Pillow lock and record every Python warning raised meanwhile (nothing reaches stderr)."""
    with _PILLOW_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


@contextlib.contextmanager
def truncated_images_allowed() -> Iterator[None]:
    """Let Pillow decode the part of a truncated image that is there. Call inside :func:`pillow_session`.

    ImageFile.LOAD_TRUNCATED_IMAGES is a module global Pillow reads during ``load()``; it is set only for
    the one decode of a file already known to be truncated, under the Pillow lock, and restored after,
    so no other decode in the process sees it.
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = True
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before


@dataclass(frozen=True)
class Sniffed:
    kind: str  # "pdf" or "image"
    format: str  # "PDF" or a Pillow format name
    size: int


def sniff(path: Path) -> Sniffed:
    """Identify ``path`` by content. Raises an InputError naming what the file looks like instead."""
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise UnsupportedFile("not a regular file", path=path, fix=SUPPORTED_HINT)
        with path.open("rb") as fh:
            head = fh.read(2048)
    except FileNotFoundError as exc:
        raise FileNotFound("no such file", path=path, fix="check the path and its spelling") from exc
    except PermissionError as exc:
        raise UnreadableFile("permission denied", path=path, fix="make the file readable (chmod +r)") from exc
    except OSError as exc:  # symlink loops, names too long, I/O errors
        raise UnreadableFile(
            f"cannot be read ({exc.strerror or exc})", path=path, fix="check the file and its path"
        ) from exc
    if size == 0:
        raise EmptyFile("empty file (0 bytes)", path=path, fix="the download or copy probably failed; fetch it again")
    # The PDF spec lets the header sit anywhere in the first 1,024 bytes.
    if b"%PDF-" in head[:1024]:
        return Sniffed("pdf", "PDF", size)
    image_format = _image_format(path)
    if image_format:
        return Sniffed("image", image_format, size)
    magic = image_magic(head)
    if magic:
        # The bytes start like an image docvl reads, yet Pillow cannot read its header: a damaged file, not
        # an unknown format. Say which format, so the user knows what to re-save or re-fetch.
        if magic == "HEIC/HEIF" and not HEIF_AVAILABLE:
            raise UnsupportedFile(
                "HEIC/HEIF image, and the pillow-heif package that reads it is not installed",
                path=path,
                fix="pip install pillow-heif (or convert the photo to JPEG)",
            )
        raise CorruptFile(f"damaged {magic} image: its header cannot be read", path=path, fix=IMAGE_FIX)
    description, fix = _describe(head, path)
    raise UnsupportedFile(f"not a PDF or image ({description})", path=path, fix=fix)


def _image_format(path: Path) -> str | None:
    try:
        # formats= limits identification to real document formats: some of Pillow's other plug-ins
        # (TGA, for one) accept almost any bytes. Size warnings are the image loader's to report, so the
        # ones recorded here are dropped.
        with pillow_session(), Image.open(path, formats=IMAGE_FORMATS) as im:
            return im.format
    except Image.DecompressionBombError:
        # Too many pixels to open, but it is an image: the image loader reports the size properly.
        return "IMAGE"
    except Exception:
        return None


# ISO base media ("ftyp") brands of HEIF and AVIF files.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}


def image_magic(head: bytes) -> str | None:
    """The image format the first bytes announce (a signature only: the rest may be damaged)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "TIFF"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head.startswith(b"BM") and len(head) >= 26 and head[6:10] == b"\x00\x00\x00\x00":  # reserved bytes are 0
        return "BMP"
    if head.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or head.startswith(b"\xff\x4f\xff\x51"):
        return "JPEG 2000"
    if head[4:8] == b"ftyp":
        brands = {head[i : i + 4] for i in range(8, min(len(head), 64), 4)}
        if brands & _AVIF_BRANDS:
            return "AVIF"
        if brands & _HEIF_BRANDS:
            return "HEIC/HEIF"
    return None


_CONVERT_TO_PDF = "convert it to PDF first, e.g. `mutool convert -o out.pdf {name}`, then pass the PDF"
_OFFICE_TO_PDF = (
    "export it to PDF from its application, or `soffice --headless --convert-to pdf {name}`, then pass the PDF"
)


def _describe(head: bytes, path: Path) -> tuple[str, str]:
    """What the content looks like, and a fix that applies to that kind of file."""
    # Containers first: an EPUB's first member may be stored uncompressed and hold "<html" in these bytes.
    if head.startswith(b"PK\x03\x04"):
        return _describe_zip(path)
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:512] or b"<body" in text[:1024]:
        return "content looks like an HTML page, probably a failed download or an error page", SUPPORTED_HINT
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "content looks like XML/SVG", SUPPORTED_HINT
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "content is an old Microsoft Office file (.doc/.xls/.ppt)", _OFFICE_TO_PDF.format(name=path.name)
    if b"\x00" not in head:
        try:
            head[:-4].decode("utf-8")  # the 2 KiB cut may split a character at the end
            return "content is plain text", SUPPORTED_HINT
        except UnicodeDecodeError:
            pass
    return "unrecognised binary data", SUPPORTED_HINT


def _describe_zip(path: Path) -> tuple[str, str]:
    """Name the kind of ZIP container by its members (reads the central directory only, never the data)."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
            mimetype = ""
            if "mimetype" in members and zf.getinfo("mimetype").file_size < 200:
                mimetype = zf.read("mimetype").decode("ascii", "replace").strip()
            content_types = ""
            if "[Content_Types].xml" in members and zf.getinfo("[Content_Types].xml").file_size < 65536:
                content_types = zf.read("[Content_Types].xml").decode("utf-8", "replace").lower()
    except Exception:  # a damaged or cut ZIP: say what the first bytes say, nothing more
        return "content is a ZIP archive, and a damaged one", "fetch it again; docvl reads PDF files and images"
    lowered = [m.lower() for m in members]
    if mimetype == "application/epub+zip":
        return "content is an EPUB e-book", _CONVERT_TO_PDF.format(name=name)
    if any(m.endswith(".fdseq") for m in lowered) or "fixeddocumentsequence" in content_types or "xps" in content_types:
        return "content is an XPS/OpenXPS document", _CONVERT_TO_PDF.format(name=name)
    for prefix, what in (
        ("word/", "a Word document (.docx)"),
        ("xl/", "an Excel workbook (.xlsx)"),
        ("ppt/", "a PowerPoint presentation (.pptx)"),
    ):
        if any(m.startswith(prefix) for m in lowered):
            return f"content is {what}", _OFFICE_TO_PDF.format(name=name)
    if mimetype.startswith("application/vnd.oasis.opendocument"):
        return "content is an OpenDocument file (.odt/.ods/.odp)", _OFFICE_TO_PDF.format(name=name)
    return (
        "content is a ZIP archive",
        "unzip it and pass the PDFs or images inside (a folder is fine: docvl reads folders)",
    )
