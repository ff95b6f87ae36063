"""Read an image file's frames and sizes with Pillow (TIFF: every frame is a page; GIF: the first)."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image

from docvl.errors import CorruptFile, ImageTooLarge, ImageTooSmall, NoPages
from docvl.load.document import Document, DocumentWarning, PageInfo
from docvl.load.sniff import IMAGE_FORMATS
from docvl.pages import PageSelection

MIN_SIDE = 32  # the model card's minimum; anything smaller holds nothing readable
# EXIF orientations 5-8 turn the picture by 90 degrees, so width and height swap once it is upright.
_SWAPS_SIDES = {5, 6, 7, 8}
MULTI_PAGE_FORMATS = {"TIFF"}


def load_image(path: Path, *, selection: PageSelection) -> Document:
    doc_warnings: list[DocumentWarning] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as im:
                fmt = im.format or "IMAGE"
                frames = getattr(im, "n_frames", 1) if fmt in MULTI_PAGE_FORMATS else 1
                numbers = selection.pages(frames)
                sizes = []
                for number in numbers:
                    im.seek(number - 1)
                    sizes.append((number, *_upright_size(im)))
        for w in caught:
            if issubclass(w.category, Image.DecompressionBombWarning):
                doc_warnings.append(DocumentWarning("large_image", str(w.message)))
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(
            f"image is too large to open safely ({exc})",
            path=path,
            fix="downscale it (e.g. to 6,000 px on the long side): docvl never sends more than 6,144 px",
        ) from exc
    except Exception as exc:  # Pillow raises many types on damaged files (KeyError, TypeError, struct.error...)
        raise CorruptFile(
            f"damaged image file ({exc})", path=path, fix="open it in an image viewer or fetch it again"
        ) from exc
    if not numbers:
        raise NoPages(
            f"--pages {selection.spec} selects none of its {frames} frames",
            path=path,
            fix=f"choose pages between 1 and {frames}",
        )
    pages = []
    too_small = []
    for number, width, height in sizes:
        if min(width, height) < MIN_SIDE:
            too_small.append((number, width, height))
        else:
            pages.append(PageInfo(number=number, width=width, height=height))
    if not pages:
        number, width, height = too_small[0]
        raise ImageTooSmall(
            f"image is {width}x{height} px: too small to hold anything readable (the model needs at least {MIN_SIDE}x{MIN_SIDE})",
            path=path,
            fix="use the original scan or photo at a higher resolution",
        )
    if too_small:
        doc_warnings.append(
            DocumentWarning(
                "frames_too_small",
                f"skipped {len(too_small)} frame(s) smaller than {MIN_SIDE}x{MIN_SIDE} px",
                tuple(n for n, _, _ in too_small),
            )
        )
    return Document(
        path=path,
        kind="image",
        format=fmt,
        page_count=frames,
        pages=tuple(pages),
        warnings=tuple(doc_warnings),
    )


def _upright_size(im: Image.Image) -> tuple[int, int]:
    width, height = im.size
    try:
        if im.format == "PNG":  # getexif() on a PNG decodes the whole image to find a late eXIf chunk
            raw = im.info.get("exif")
            exif = Image.Exif()
            if raw:
                exif.load(raw)
        else:
            exif = im.getexif()
        orientation = exif.get(0x0112)
    except Exception:  # a broken EXIF block must not cost the page
        orientation = None
    return (height, width) if orientation in _SWAPS_SIDES else (width, height)
