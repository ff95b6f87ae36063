"""Image files (and TIFF frames) resized to the requested pixel size with Pillow."""

from __future__ import annotations

import contextlib

from PIL import Image, ImageOps

from docvl.load.document import Document
from docvl.load.image import TRUNCATED, library_warnings
from docvl.load.sniff import IMAGE_FORMATS, pillow_session, truncated_images_allowed
from docvl.render.base import Size
from docvl.render.color import to_rgb


class ImageRasterizer:
    name = "pillow"

    def __init__(self, document: Document) -> None:
        self._path = document.path
        # Pages the loader found truncated and chose to draw in part (docvl.load.image): decoded here the
        # same way, so `render` agrees with `plan`/`ask`/`extract` instead of failing on them.
        self._truncated: set[int] = set()
        for w in document.warnings:
            if w.code == TRUNCATED:
                self._truncated.update(w.pages or (1,))
        # What the loader already said about the file; the same Pillow warning on re-opening is not news.
        self._said = {w.message for w in document.warnings}

    def render(self, number: int, sizes: list[Size]) -> tuple[list[Image.Image], list[str]]:
        # Decoding under pillow_session records Pillow's warnings for this call alone (they are returned as
        # the page's warnings, never printed by the warnings module); see docvl.load.sniff for the lock.
        allow_truncated = truncated_images_allowed() if number in self._truncated else contextlib.nullcontext()
        with pillow_session() as caught, Image.open(self._path, formats=IMAGE_FORMATS) as im, allow_truncated:
            im.seek(number - 1)
            if im.format == "JPEG" and sizes:
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the target is that much smaller:
                # a 24-Mpx photo then never exists in memory at full size.
                largest = max(sizes, key=lambda s: s[0] * s[1])
                im.draft("RGB", largest)
            upright = to_rgb(ImageOps.exif_transpose(im))
        notes = [w.message for w in library_warnings(caught) if w.message not in self._said]
        images = [
            upright if upright.size == size else upright.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
            for size in sizes
        ]
        return images, notes

    def close(self) -> None:
        pass
