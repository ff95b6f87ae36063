"""The render stage's types: what one rendered page is, and the small interface every rasterizer meets."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Protocol

from PIL import Image

from docvl.load.document import Document
from docvl.profiles.base import Grid

Size = tuple[int, int]


@dataclass(frozen=True)
class PageRequest:
    """Which page to draw and at which grid (from the plan)."""

    number: int
    grid: Grid


@dataclass(frozen=True)
class EncodedImage:
    """A page image as file bytes (what an HTTP engine sends, what `docvl render` writes)."""

    format: str  # "png" or "jpeg"
    data: bytes
    size: Size

    def decode(self) -> Image.Image:
        with Image.open(io.BytesIO(self.data)) as im:
            return im.convert("RGB")


# Pillow save options per format. PNG at level 1: pages are mostly flat colour, so the fastest level
# is within a few percent of the smallest, at a fraction of the time.
ENCODINGS: dict[str, dict[str, Any]] = {
    "png": {"format": "PNG", "compress_level": 1},
    "jpeg": {"format": "JPEG", "quality": 90, "subsampling": 0},
}


def encode_image(image: Image.Image, fmt: str) -> EncodedImage:
    buffer = io.BytesIO()
    image.save(buffer, **ENCODINGS[fmt])
    return EncodedImage(fmt, buffer.getvalue(), image.size)


@dataclass
class RenderedPage:
    """One page drawn at its grid size (and its thumbnail), as pixels, as encoded bytes, or both.

    Pages rendered in worker processes arrive encoded only (raw pixels cost more to pass between
    processes than to draw); their pixels are decoded on first use.
    """

    number: int
    grid: Grid
    _image: Image.Image | None = None  # RGB, exactly grid.pixel_size
    _thumbnail: Image.Image | None = None  # RGB, tile_size square
    encoded: EncodedImage | None = None
    encoded_thumbnail: EncodedImage | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def image(self) -> Image.Image:
        if self._image is None:
            assert self.encoded is not None
            self._image = self.encoded.decode()
        return self._image

    @property
    def thumbnail(self) -> Image.Image | None:
        """The whole page at tile size, or None when the grid has no thumbnail."""
        if self._thumbnail is None and self.encoded_thumbnail is not None:
            self._thumbnail = self.encoded_thumbnail.decode()
        return self._thumbnail

    def tiles(self) -> list[Image.Image]:
        """The grid's tiles, row-major, then the thumbnail: what an in-process model is fed."""
        size = self.grid.tile_size
        out = [
            self.image.crop((c * size, r * size, (c + 1) * size, (r + 1) * size))
            for r in range(self.grid.rows)
            for c in range(self.grid.cols)
        ]
        if self.thumbnail is not None:
            out.append(self.thumbnail)
        return out


class Rasterizer(Protocol):
    """Draws pages of one open document. Made with ``cls(document)``; closed when done."""

    name: str

    def render(self, number: int, sizes: list[Size]) -> tuple[list[Image.Image], list[str]]:
        """Page ``number`` (1-based) drawn at each of ``sizes``, RGB, plus warnings about what was lost."""
        ...

    def close(self) -> None: ...


class RasterizerFactory(Protocol):
    name: str

    def __call__(self, document: Document) -> Rasterizer: ...
