"""InternVL-style dynamic tiling, shared by every model that preprocesses images this way.

The algorithm is the one docs/design.md §1.1 describes (InternVL ``dynamic_preprocess``): pick the
cols x rows grid whose shape is closest to the image's, break exact ties towards the larger grid only
when the image has enough pixels to fill it, resize the whole image to the grid and cut tiles, then
append a thumbnail when there is more than one tile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from docvl.profiles.base import ChatConventions, Grid


@cache
def candidate_grids(max_tiles: int) -> tuple[tuple[int, int], ...]:
    """Every (cols, rows) with 1 <= cols*rows <= max_tiles, in the reference order (by tile count)."""
    pairs = {
        (cols, rows)
        for n in range(1, max_tiles + 1)
        for cols in range(1, n + 1)
        for rows in range(1, n + 1)
        if cols * rows <= max_tiles
    }
    # Built and sorted exactly as the reference does (a set, then a stable sort by tile count): when an
    # image's shape lies exactly halfway between two grids with the same tile count, this order decides.
    return tuple(sorted(pairs, key=lambda p: p[0] * p[1]))


@dataclass(frozen=True)
class InternVLProfile:
    name: str
    chat: ChatConventions
    tile_size: int = 512
    patch_size: int = 16
    downsample_ratio: float = 0.5
    use_thumbnail: bool = True
    wrapper_tokens: int = 2  # <img> and </img>
    default_context: int = 49_152
    max_context: int = 131_072
    max_tiles_limit: int = 12
    default_max_tiles: int = 12
    notes: tuple[str, ...] = field(default=())

    @property
    def tokens_per_tile(self) -> int:
        return int((self.tile_size // self.patch_size) ** 2 * self.downsample_ratio**2)

    def grid(self, width: float, height: float, max_tiles: int, thumbnail: bool = True) -> Grid:
        if width <= 0 or height <= 0:
            raise ValueError(f"image size must be positive, got {width}x{height}")
        # The limit users may choose is max_tiles_limit (what the model was trained with); the
        # arithmetic itself holds for any positive count, and the reference table checks up to 16.
        if max_tiles < 1:
            raise ValueError(f"max_tiles must be at least 1, got {max_tiles}")
        cols, rows = _closest_grid(width / height, width * height, max_tiles, self.tile_size)
        return Grid(
            cols=cols,
            rows=rows,
            thumbnail=thumbnail and self.use_thumbnail and cols * rows > 1,
            tile_size=self.tile_size,
        )

    def image_tokens(self, grid: Grid) -> int:
        return self.tokens_per_tile * grid.tiles + self.wrapper_tokens


def _closest_grid(aspect: float, area: float, max_tiles: int, tile: int) -> tuple[int, int]:
    best_diff = float("inf")
    best = (1, 1)
    for cols, rows in candidate_grids(max_tiles):
        diff = abs(aspect - cols / rows)
        if diff < best_diff:
            best_diff, best = diff, (cols, rows)
        elif diff == best_diff and area > 0.5 * tile * tile * cols * rows:
            best = (cols, rows)
    return best
