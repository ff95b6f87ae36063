"""Image files (and TIFF frames) resized to the requested pixel size with Pillow."""

from __future__ import annotations

from PIL import Image, ImageOps

from docvl.load.document import Document
from docvl.load.sniff import IMAGE_FORMATS
from docvl.render.base import Size
from docvl.render.color import to_rgb


class ImageRasterizer:
    name = "pillow"

    def __init__(self, document: Document) -> None:
        self._path = document.path

    def render(self, number: int, sizes: list[Size]) -> tuple[list[Image.Image], list[str]]:
        with Image.open(self._path, formats=IMAGE_FORMATS) as im:
            im.seek(number - 1)
            if im.format == "JPEG" and sizes:
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the target is that much smaller:
                # a 24-Mpx photo then never exists in memory at full size.
                largest = max(sizes, key=lambda s: s[0] * s[1])
                im.draft("RGB", largest)
            upright = to_rgb(ImageOps.exif_transpose(im))
        images = [
            upright if upright.size == size else upright.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
            for size in sizes
        ]
        return images, []

    def close(self) -> None:
        pass
