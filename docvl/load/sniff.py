"""Tell what a file is from its bytes, not its name."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from docvl.errors import EmptyFile, FileNotFound, UnreadableFile, UnsupportedFile

# Raster formats docvl reads, as Pillow's openers are named (the JPEG opener also returns MPO, which
# is what many cameras write).
IMAGE_FORMATS = ("PNG", "JPEG", "TIFF", "WEBP", "GIF", "BMP")
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".jpe", ".tif", ".tiff", ".webp", ".gif", ".bmp"}
PDF_EXTENSIONS = {".pdf"}
DOCUMENT_EXTENSIONS = IMAGE_EXTENSIONS | PDF_EXTENSIONS
SUPPORTED_HINT = "docvl reads PDF files and PNG, JPEG, TIFF, WebP, GIF and BMP images"


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
    raise UnsupportedFile(f"not a PDF or image ({_describe(head)})", path=path, fix=SUPPORTED_HINT)


def _image_format(path: Path) -> str | None:
    try:
        # formats= limits identification to real document formats: some of Pillow's other plug-ins
        # (TGA, for one) accept almost any bytes. Size warnings are the image loader's to report.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as im:
                return im.format
    except Image.DecompressionBombError:
        # Too many pixels to open, but it is an image: the image loader reports the size properly.
        return "IMAGE"
    except Exception:
        return None


def _describe(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text[:512] or b"<body" in text[:1024]:
        return "content looks like an HTML page, probably a failed download or an error page"
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        return "content looks like XML/SVG"
    if head.startswith(b"PK\x03\x04"):
        return "content is a ZIP archive (a .docx/.xlsx/.pptx?); convert it to PDF first"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "content is an old Microsoft Office file; convert it to PDF first"
    if b"\x00" not in head:
        try:
            head[:-4].decode("utf-8")  # the 2 KiB cut may split a character at the end
            return "content is plain text"
        except UnicodeDecodeError:
            pass
    return "unrecognised binary data"
