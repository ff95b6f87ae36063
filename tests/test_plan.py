import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docvl.errors import UsageError
from docvl.load.document import PageInfo
from docvl.planner import PAGE_LABEL, PlanSettings, plan_pages
from docvl.profiles import get_profile
from docvl.tokens import EstimateCounter

PROFILE = get_profile()
COUNTER = EstimateCounter(PROFILE.chat.template_overhead_tokens)
LETTER = (1700, 2200)
A4 = (1654, 2339)


def pages_of(n, size=LETTER, start=1):
    return [PageInfo(number=start + i, width=size[0], height=size[1]) for i in range(n)]


def plan(pages, **kw):
    return plan_pages(
        pages,
        profile=PROFILE,
        counter=COUNTER,
        system="/no_think",
        user="What is the total?",
        settings=PlanSettings(**kw),
    )


def test_small_document_keeps_full_resolution():
    p = plan(pages_of(10))
    assert p.fits_one_window and p.notes == []
    assert {(pp.cols, pp.rows, pp.tiles, pp.image_tokens) for pp in p.pages} == {(3, 4, 13, 3330)}
    assert p.page_budget == 49_152 - 1024 - p.prompt_tokens
    assert p.windows[0].tokens == p.prompt_tokens + sum(pp.tokens for pp in p.pages)


def test_prompt_and_labels_are_counted():
    p = plan(pages_of(1))
    assert p.prompt_tokens == COUNTER.count_chat("/no_think", "What is the total?")
    assert p.pages[0].label_tokens == COUNTER.count(PAGE_LABEL.format(number=1))
    assert p.pages[0].tokens == p.pages[0].image_tokens + p.pages[0].label_tokens


def test_lowers_tiles_evenly_before_splitting():
    p = plan(pages_of(20))  # 20 x 3,333 = 66.7K: too many at 12 tiles
    assert p.fits_one_window
    assert len({pp.max_tiles for pp in p.pages}) == 1  # every page alike
    assert p.pages[0].max_tiles < 12 and p.pages[0].tiles == 7  # Letter falls to 2x3 + thumbnail
    assert "lowered from 12" in p.notes[0]
    assert p.windows[0].page_tokens <= p.page_budget


def test_splits_into_balanced_windows_when_floor_is_reached():
    p = plan(pages_of(60))  # 60 x 1,797 at 6 tiles = 107.8K: three requests
    assert [(w.first_page, w.last_page) for w in p.windows] == [(1, 20), (21, 40), (41, 60)]
    assert all(w.page_tokens <= p.page_budget for w in p.windows)
    assert all(pp.tiles >= 7 for pp in p.pages)  # never below the legibility floor
    assert "split into 3" in p.notes[0]


def test_each_window_gets_back_the_most_tiles_it_can_take():
    # 27 Letter pages at 7 tiles are 48.5K tokens, just over one request, so they are split in two;
    # 14 pages at the full 13 tiles (46.7K) then fit each request, so no page stays at 7.
    p = plan(pages_of(27))
    assert [(w.first_page, w.last_page) for w in p.windows] == [(1, 14), (15, 27)]
    assert all(w.max_tiles == 12 for w in p.windows)
    assert all(pp.tiles == 13 for pp in p.pages)
    # the same pages with the model's full context need no split at all
    q = plan(pages_of(27), context=131_072)
    assert q.fits_one_window and all(pp.tiles == 13 for pp in q.pages)


def test_no_thumbnail_plans_one_tile_less():
    assert plan(pages_of(1), thumbnail=False).pages[0].tiles == 12


def test_budget_too_small_is_a_usage_error():
    with pytest.raises(UsageError, match="raise --context"):
        plan(pages_of(1), context=300, max_output=100)


@pytest.mark.parametrize(
    "kw",
    [
        {"max_tiles": 13},
        {"max_tiles": 0},
        {"min_tiles": 7, "max_tiles": 6},
        {"context": 200_000},
        {"max_output": 50_000},
    ],
)
def test_bad_settings(kw):
    with pytest.raises(UsageError):
        plan(pages_of(1), **kw)


sizes = st.sampled_from([LETTER, A4, (2200, 1700), (1000, 1000), (500, 3000), (4000, 600), (800, 1200)])


@settings(max_examples=150, deadline=None)
@given(
    shapes=st.lists(sizes, min_size=1, max_size=120),
    context=st.integers(4_000, 131_072),
    max_tiles=st.integers(1, 12),
    min_tiles=st.integers(1, 12),
    thumbnail=st.booleans(),
)
def test_plan_invariants(shapes, context, max_tiles, min_tiles, thumbnail):
    pages = [PageInfo(number=i + 1, width=w, height=h) for i, (w, h) in enumerate(shapes)]
    min_tiles = min(min_tiles, max_tiles)
    p = plan(pages, context=context, max_output=512, max_tiles=max_tiles, min_tiles=min_tiles, thumbnail=thumbnail)
    # every page exactly once, in order, windows consecutive and numbered from 1
    assert [pp.number for pp in p.pages] == [pg.number for pg in pages]
    assert [pp.window for pp in p.pages] == sorted(pp.window for pp in p.pages)
    assert [w.index for w in p.windows] == list(range(1, len(p.windows) + 1))
    for w in p.windows:
        members = [pp for pp in p.pages if pp.window == w.index]
        assert (members[0].number, members[-1].number, len(members)) == (w.first_page, w.last_page, w.pages)
        assert w.page_tokens == sum(pp.tokens for pp in members) <= p.page_budget
        assert w.tokens == w.page_tokens + p.prompt_tokens
    for pp in p.pages:
        grid = PROFILE.grid(pp.width, pp.height, pp.max_tiles, thumbnail)
        assert (pp.cols, pp.rows, pp.tiles) == (grid.cols, grid.rows, grid.tiles)
        assert pp.image_tokens == PROFILE.image_tokens(grid)
        assert 1 <= pp.max_tiles <= max_tiles
    if len(p.windows) > 1:
        # split only when the whole document does not fit at the floor, and into as few windows as
        # fit there: packing greedily at the floor cannot do with fewer
        floor_costs = [
            PROFILE.image_tokens(PROFILE.grid(pg.width, pg.height, min_tiles, thumbnail)) + pp.label_tokens
            for pg, pp in zip(pages, p.pages, strict=True)
        ]
        assert sum(floor_costs) > p.page_budget
        greedy, used = 1, 0
        for c in floor_costs:
            if used and used + c > p.page_budget:
                greedy, used = greedy + 1, 0
            used += c
        assert len(p.windows) == greedy
    else:
        assert all(pp.max_tiles >= min_tiles for pp in p.pages)
