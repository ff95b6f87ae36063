"""Read an image file's frames and sizes with Pillow (TIFF: every frame is a page; animated WebP, PNG,
GIF, HEIF and AVIF: the first frame, with a warning).

Each selected frame is decoded once here, so what would fail or come out wrong at render time (a
truncated file, a 16-bit image too dark to read) is known, and said, by `plan`, `ask` and `extract` too.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import cast

from PIL import Image, ImageChops, TiffImagePlugin

from docvl.errors import CorruptFile, ImageTooLarge, ImageTooSmall, NoPages, UnsupportedFile
from docvl.load.document import Document, DocumentWarning, PageInfo
from docvl.load.sniff import IMAGE_FIX, IMAGE_FORMATS, pillow_session, truncated_images_allowed
from docvl.pages import PageSelection

MIN_SIDE = 32  # the model card's minimum; anything smaller holds nothing readable
# EXIF orientations 5-8 turn the picture by 90 degrees, so width and height swap once it is upright.
_SWAPS_SIDES = {5, 6, 7, 8}
MULTI_PAGE_FORMATS = {"TIFF"}
# The code of the warning the renderer looks for to decode a page's truncated data the same way.
TRUNCATED = "truncated_image"
# Names users know the formats by (Pillow's names otherwise).
_FORMAT_NAMES = {"JPEG2000": "JPEG 2000", "WEBP": "WebP"}
# Warnings about docvl's own use of Pillow's API, not about the file: not the user's concern.
_NOT_ABOUT_THE_FILE = (DeprecationWarning, PendingDeprecationWarning)
# A 16-bit image whose values span less than this share of 0..65,535 keeps fewer than 32 grey levels once
# scaled to 8 bits (values 291-694 all come out as 1 or 2 of 255: a black page). Such images (scientific
# TIFFs, raw scanner output) are auto-levelled instead: their used range is stretched to the full one.
LOW_RANGE_SHARE = 1 / 8


def low_range(im: Image.Image) -> tuple[int, int] | None:
    """The rule docvl.render.color.to_rgb draws 16-bit greys by, here so the loader can warn about it.

    (lowest, highest) value of a 16-bit greyscale image that uses too little of 0..65,535 to be seen
    after a plain scale to 8 bits; None for any other image, and for a flat one (nothing to stretch)."""
    if not im.mode.startswith("I;16"):
        return None
    # via "I": Pillow has no extrema for the byte-order variants (I;16B raises "image has wrong mode")
    lo, hi = cast("tuple[float, float]", im.convert("I").getextrema())  # one band: (lowest, highest)
    if hi <= lo or hi - lo >= 65535 * LOW_RANGE_SHARE:
        return None
    return int(lo), int(hi)


def load_image(path: Path, *, selection: PageSelection) -> Document:
    doc_warnings: list[DocumentWarning] = []
    try:
        with pillow_session() as caught, Image.open(path, formats=IMAGE_FORMATS) as im:
            fmt = im.format or "IMAGE"
            name = _FORMAT_NAMES.get(fmt, fmt)
            frames = getattr(im, "n_frames", 1) if fmt in MULTI_PAGE_FORMATS else 1
            if fmt not in MULTI_PAGE_FORMATS and getattr(im, "is_animated", False):
                # Decision: an animation is one picture that moves, not a stack of pages (an animated
                # WebP of 42 frames would otherwise cost 42 pages of tokens); frame 1 is read.
                doc_warnings.append(
                    DocumentWarning(
                        "animated_image",
                        f"animated {name} with {getattr(im, 'n_frames', 1)} frames: only the first frame is read",
                    )
                )
            numbers = selection.pages(frames)
            sizes = []
            for number in numbers:
                im.seek(number - 1)
                sizes.append((number, *_upright_size(im)))
                doc_warnings.extend(_decode(im, path, number, paged=frames > 1))
        doc_warnings.extend(library_warnings(caught))
    except (CorruptFile, ImageTooLarge):
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(
            f"image is too large to open safely ({exc})",
            path=path,
            fix="downscale it (e.g. to 6,000 px on the long side): docvl never sends more than 6,144 px",
        ) from exc
    except Exception as exc:  # Pillow raises many types on damaged files (KeyError, TypeError, struct.error...)
        unreadable = _tiff_codec_missing(path)
        if unreadable is not None:  # not damaged: compressed in a way this libtiff was built without
            raise UnsupportedFile(
                f"TIFF compressed with {unreadable}, which this installation's libtiff cannot decode",
                path=path,
                fix="convert it to PNG, or to an LZW or Deflate TIFF (e.g. `magick in.tif -compress lzw out.tif`)",
            ) from exc
        raise CorruptFile(f"damaged {_magic_name(path)} ({_one_line(exc)})", path=path, fix=IMAGE_FIX) from exc
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


def _decode(im: Image.Image, path: Path, number: int, *, paged: bool) -> list[DocumentWarning]:
    """Decode the current frame once; return what the renderer will have to say about it.

    Called inside pillow_session(). A JPEG is decoded at 1/8 scale (libjpeg's draft mode): a truncated
    file fails just the same, at a fraction of the cost. The size is read before this, as draft changes it.
    """
    where = f"page {number}: " if paged else ""
    pages = (number,) if paged else ()
    out: list[DocumentWarning] = []
    if im.format == "JPEG":
        im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
    try:
        im.load()
    except OSError as exc:
        if "truncated" not in str(exc):
            raise
        out.append(_truncated(path, im.format or "image", number, where, pages))
    else:
        used = low_range(im)
        if used:
            # Decision: auto-level (docvl.render.color.to_rgb stretches the same range). Said, because the
            # page then looks unlike what a plain viewer shows.
            out.append(
                DocumentWarning(
                    "low_range_16bit",
                    f"{where}16-bit image uses only values {used[0]:,}-{used[1]:,} of 0-65,535: "
                    "its contrast was stretched to the full range so it is not drawn near-black",
                    pages,
                )
            )
    return out


def _truncated(path: Path, fmt: str, number: int, where: str, pages: tuple[int, ...]) -> DocumentWarning:
    """Decision for a file that ends early: draw what is there and say how much, rather than refuse it.

    A receipt photo cut off by a failed transfer still holds its top lines, and the user may have no other
    copy; refusing would also lose those. The warning names the share drawn, so an answer from the top half
    is not mistaken for one from the whole page. Only when nothing at all decodes is the file refused. The
    renderer (docvl.render.image_renderer) decodes such a page the same way, on this warning's code.
    """
    with Image.open(path, formats=IMAGE_FORMATS) as again, truncated_images_allowed():
        again.seek(number - 1)
        if again.format == "JPEG":
            again.draft(again.mode, (max(1, again.width // 8), max(1, again.height // 8)))
        again.load()
        top, bottom = _drawn_rows(again)
        height = again.height
    name = _FORMAT_NAMES.get(fmt, fmt)
    # Decoders fill rows in file order: top-down, except BMP, which stores its rows bottom-up.
    part, drawn = ("bottom", height - top) if fmt == "BMP" else ("top", bottom)
    if drawn <= 0 or bottom <= top:
        raise CorruptFile(
            f"truncated {name} image: the file ends before any of the picture could be decoded",
            path=path,
            fix="fetch or copy it again (the download or transfer stopped early)",
        )
    if drawn >= height:  # progressive JPEG, interlaced PNG: every row got some data, at lower detail
        how_much = "drawn from the data present, so parts may be blurred or missing"
    else:
        how_much = f"only the {part} {drawn * 100 // height}% of the image could be drawn; the rest is drawn empty"
    return DocumentWarning(TRUNCATED, f"{where}truncated {name} file: {how_much}", pages)


def _drawn_rows(im: Image.Image) -> tuple[int, int]:
    """The band of rows (top, bottom) a decoder drew before a truncated file's data ran out.

    Pillow leaves undecoded rows as zero bytes; libjpeg (fed the end marker Pillow adds to a cut JPEG) fills
    the blocks it never got with mid-grey. The rows outside the box of pixels that differ from that fill
    were not drawn. Real rows of that same flat colour at the edge count as not drawn: they look the same.
    """
    if im.format == "JPEG":
        grey = im.convert("L")
        box = ImageChops.difference(grey, Image.new("L", grey.size, 128)).getbbox()
    else:
        box = im.getbbox(alpha_only=False)  # the box of the pixels whose bytes are not all zero
    return (box[1], box[3]) if box else (0, 0)


def library_warnings(caught: list[warnings.WarningMessage]) -> list[DocumentWarning]:
    """Pillow's warnings about this file, in docvl's words and without library file names."""
    out: list[DocumentWarning] = []
    seen: set[str] = set()
    for w in caught:
        if issubclass(w.category, _NOT_ABOUT_THE_FILE):
            continue
        text = _one_line(w.message)
        if text in seen:
            continue
        seen.add(text)
        if issubclass(w.category, Image.DecompressionBombWarning):
            out.append(DocumentWarning("large_image", text))
        else:
            out.append(DocumentWarning("image_reader", f"image reader: {text}"))
    return out


def _one_line(value: object) -> str:
    text = " ".join(str(value).split())
    return text or type(value).__name__


def _tiff_codec_missing(path: Path) -> str | None:
    """The name of a TIFF's compression when libtiff here cannot decode it (a WebP- or ZSTD-compressed
    TIFF from a newer tool), else None: such a file is not damaged and must not be called so."""
    from docvl.libtiff import codec_configured

    try:
        with Image.open(path, formats=["TIFF"]) as im:
            scheme = int(getattr(im, "tag_v2", {}).get(259, 1))  # TiffImageFile's tags
    except Exception:
        return None
    if codec_configured(scheme) is not False:
        return None
    return TiffImagePlugin.COMPRESSION_INFO.get(scheme, f"compression {scheme}").replace("tiff_", "").upper()


def _magic_name(path: Path) -> str:
    from docvl.load.sniff import image_magic

    try:
        with path.open("rb") as fh:
            magic = image_magic(fh.read(64))
    except OSError:
        magic = None
    return f"{magic} image" if magic else "image file"


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
