"""The render stage's types: what one rendered page is, and the small interface every rasterizer meets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from PIL import Image

from docvl.load.document import Document
from docvl.profiles.base import Grid

Size = tuple[int, int]


@dataclass(frozen=True)
class PageRequest:
    """Which page to draw and at which grid (from the plan)."""

    number: int
    grid: Grid


@dataclass
class RenderedPage:
    number: int
    grid: Grid
    image: Image.Image  # RGB, exactly grid.pixel_size
    thumbnail: Image.Image | None  # RGB, tile_size square, or None when the grid has no thumbnail
    warnings: list[str] = field(default_factory=list)

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
