"""What the planner and the engines need to know about a model, behind one small interface.

A profile owns the model facts (docs/design.md §1): how an image becomes tiles and tokens, the context
window, and the chat conventions. Another model is a new profile, registered under the
``docvl.profiles`` entry-point group; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Grid:
    """The tile layout chosen for one image: ``cols`` x ``rows`` tiles of ``tile_size`` px, plus a thumbnail."""

    cols: int
    rows: int
    thumbnail: bool
    tile_size: int

    @property
    def tiles(self) -> int:
        """Tiles the model sees, thumbnail included."""
        return self.cols * self.rows + (1 if self.thumbnail else 0)

    @property
    def pixel_size(self) -> tuple[int, int]:
        """(width, height) of the whole image the tiles are cut from."""
        return self.cols * self.tile_size, self.rows * self.tile_size

    @property
    def thumbnail_size(self) -> tuple[int, int] | None:
        return (self.tile_size, self.tile_size) if self.thumbnail else None

    def __str__(self) -> str:
        return f"{self.cols}x{self.rows}" + ("+thumb" if self.thumbnail else "")


@dataclass(frozen=True)
class ChatConventions:
    """How a model is prompted: the reasoning switch and the sampling it was tuned for."""

    think_system: str
    no_think_system: str
    think_sampling: dict[str, float]
    no_think_sampling: dict[str, float]
    # Tokens the chat template adds around the system and user turns and the assistant prefix.
    # Used only when no tokenizer is given; a tokenizer's own template is counted exactly.
    template_overhead_tokens: int


@runtime_checkable
class ModelProfile(Protocol):
    # read-only members, so that a frozen dataclass (InternVLProfile) is a ModelProfile
    @property
    def name(self) -> str: ...

    @property
    def tile_size(self) -> int: ...

    @property
    def default_context(self) -> int: ...

    @property
    def max_context(self) -> int: ...

    @property
    def max_tiles_limit(self) -> int: ...

    @property
    def default_max_tiles(self) -> int: ...

    @property
    def chat(self) -> ChatConventions: ...

    def grid(self, width: float, height: float, max_tiles: int, thumbnail: bool = True) -> Grid:
        """The tile grid the model's preprocessing picks for an image of ``width`` x ``height`` px."""
        ...

    def image_tokens(self, grid: Grid) -> int:
        """Prompt tokens one image with this grid costs, wrapper tokens included."""
        ...
