import csv
from pathlib import Path

import pytest

from docvl.profiles import DEFAULT_PROFILE, available_profiles, get_profile
from docvl.profiles.internvl import candidate_grids


@pytest.fixture(scope="module")
def profile():
    return get_profile("nemotron-nano-v2-vl")


def test_every_golden_row_agrees(profile):
    golden = Path(__file__).resolve().parent / "golden" / "tiling.csv"  # tests/golden/README.md
    rows = list(csv.DictReader(golden.open()))
    assert len(rows) == 1788
    mismatches = []
    for row in rows:
        grid = profile.grid(int(row["width"]), int(row["height"]), int(row["max_tiles"]))
        got = (grid.cols, grid.rows, grid.tiles, profile.tokens_per_tile * grid.tiles)
        want = (int(row["cols"]), int(row["rows"]), int(row["tiles_incl_thumbnail"]), int(row["image_tokens"]))
        if got != want:
            mismatches.append((row, got))
    assert mismatches == []


@pytest.mark.parametrize(
    ("size", "max_tiles", "grid", "tiles", "tokens"),
    [
        ((1700, 2200), 12, (3, 4), 13, 3328),  # US Letter, any resolution
        ((612, 792), 12, (3, 4), 13, 3328),
        ((1700, 2200), 6, (2, 3), 7, 1792),
        ((1240, 1754), 12, (2, 3), 7, 1792),  # A4
        ((1024, 1024), 12, (2, 2), 5, 1280),
        ((1920, 1080), 12, (4, 2), 9, 2304),
        ((1920, 1080), 6, (2, 1), 3, 768),
        ((3000, 2000), 12, (3, 2), 7, 1792),
        ((1700, 2200), 1, (1, 1), 1, 256),
    ],
)
def test_design_worked_examples(profile, size, max_tiles, grid, tiles, tokens):
    g = profile.grid(*size, max_tiles)
    assert (g.cols, g.rows) == grid
    assert g.tiles == tiles
    assert profile.image_tokens(g) == tokens + 2  # <img> and </img>


def test_grid_pixel_size_and_thumbnail(profile):
    g = profile.grid(1700, 2200, 12)
    assert g.pixel_size == (1536, 2048)
    assert g.thumbnail_size == (512, 512)
    single = profile.grid(1700, 2200, 1)
    assert single.thumbnail is False and single.thumbnail_size is None


def test_no_thumbnail_saves_one_tile(profile):
    assert profile.grid(1700, 2200, 12, thumbnail=False).tiles == 12


def test_tiles_never_fall_as_max_tiles_rises(profile):
    # The planner relies on this to lower max_tiles step by step.
    for w, h in [(612, 792), (595, 842), (1920, 1080), (500, 3000), (1000, 1000), (14400, 14400), (33, 2000)]:
        counts = [profile.grid(w, h, t).tiles for t in range(1, 13)]
        assert counts == sorted(counts), (w, h, counts)


def test_candidate_grids_sorted_by_tile_count():
    grids = candidate_grids(12)
    assert all(c * r <= 12 for c, r in grids)
    assert [c * r for c, r in grids] == sorted(c * r for c, r in grids)
    assert len(grids) == len(set(grids)) == 35


def test_profile_registry():
    assert DEFAULT_PROFILE in available_profiles()
    from docvl.errors import UsageError

    with pytest.raises(UsageError, match="unknown model profile"):
        get_profile("no-such-model")


def test_rejects_degenerate_sizes(profile):
    with pytest.raises(ValueError):
        profile.grid(0, 100, 12)
