"""Which pages go in which request, at how many tiles: each strategy is a function of the priced pages
and the budget that returns a Selection (its windows, the notes that explain it, the pages it left out),
and ``choose`` picks the strategy the settings call for (docvl.planner's module docstring)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from docvl.planner.costs import PageCosts
from docvl.planner.models import DroppedPage

# one request: (page index, max_tiles) for each of its pages, in page order
Window = list[tuple[int, int]]


@dataclass
class Selection:
    windows: list[Window]
    notes: list[str] = field(default_factory=list)
    dropped: list[DroppedPage] = field(default_factory=list)


def choose(
    costs: PageCosts, budget: int, relevance: Mapping[int, float | None] | None, unmatched: str
) -> tuple[Selection, bool]:
    """The selection the settings call for, and whether the whole document fit at max_tiles."""
    settings = costs.settings
    everything = range(len(costs.pages))
    fits_whole = costs.total(everything, settings.max_tiles) <= budget
    notes: list[str] = []
    selection: Selection | None = None
    imaged = costs.imaged
    if settings.max_images is not None and sum(imaged) > settings.max_images and settings.strategy != "single":
        # the cap forces several requests anyway: every page, each window at the most tiles it can take,
        # rather than pages ranked and dropped (or tiles lowered) to fit one request first
        selection = image_windows(costs, budget)
    elif fits_whole:
        selection = Selection([[(i, settings.max_tiles) for i in everything]])
    elif settings.strategy != "map-reduce":
        if relevance is not None:
            selection = most_relevant(costs, budget, relevance, unmatched, notes)
        if selection is None and settings.strategy == "single":
            selection = first_pages(costs, budget)
    if selection is None:
        selection = even_windows(costs, budget)
    selection.notes[:0] = notes
    if settings.max_images is not None:
        capped = cap_images(selection.windows, imaged, settings.max_images)  # --strategy single: said in a note
        selection.notes.extend(capped.notes)
        selection.windows = capped.windows
    return selection, fits_whole


def image_windows(costs: PageCosts, budget: int) -> Selection:
    """Consecutive windows of at most max_images page images that fit the budget at min_tiles, then each
    given back the most tiles it can take."""
    settings, imaged = costs.settings, costs.imaged
    limit, floor = settings.max_images or 1, settings.min_tiles
    groups: list[list[int]] = [[]]
    images = used = 0
    for i in range(len(costs.pages)):
        need = costs.cost(i, floor)
        if groups[-1] and ((imaged[i] and images == limit) or used + need > budget):
            groups.append([])
            images = used = 0
        groups[-1].append(i)
        images += imaged[i]
        used += need
    windows = []
    for group in groups:
        tiles = costs.highest_fitting(group, settings.max_tiles, 1, budget) or 1
        windows.append([(i, tiles) for i in group])
    note = (
        f"at most {limit} page image(s) per request (--max-images): all {len(costs.pages)} pages in "
        f"{len(windows)} consecutive requests, each at the most tiles it can take"
    )
    return Selection(windows, [note])


def cap_images(windows: list[Window], imaged: list[bool], limit: int) -> Selection:
    """Consecutive sub-windows with at most ``limit`` page images each (text pages do not count); each is
    a part of a window that fit, so it fits too."""
    capped: list[Window] = []
    for members in windows:
        part: Window = []
        images = 0
        for i, tiles in members:
            if imaged[i] and images == limit:
                capped.append(part)
                part, images = [], 0
            part.append((i, tiles))
            images += imaged[i]
        capped.append(part)
    notes = []
    if len(capped) > len(windows):
        notes.append(
            f"at most {limit} page image(s) per request (--max-images): {len(windows)} request(s) became {len(capped)}"
        )
    return Selection(capped, notes)


def even_windows(costs: PageCosts, budget: int) -> Selection:
    """Every page, tiles lowered alike down to min_tiles, then consecutive windows (module docstring)."""
    settings, pages = costs.settings, costs.pages
    everything = range(len(pages))
    single = costs.highest_fitting(everything, settings.max_tiles, settings.min_tiles, budget)
    if single is not None:
        notes = []
        if single < settings.max_tiles:
            notes.append(
                f"max tiles lowered from {settings.max_tiles} to {single} so all {len(pages)} pages fit one request"
            )
        return Selection([[(i, single) for i in everything]], notes)
    floor = settings.min_tiles
    # A page too big for a window even at min_tiles gets fewer tiles still (only with tiny contexts).
    floors = [costs.highest_fitting([i], floor, 1, budget) or 1 for i in everything]
    caps = [f if f < floor else settings.max_tiles for f in floors]
    windows = []
    for group in _split(everything, [costs.cost(i, floors[i]) for i in everything], budget):
        tiles = costs.highest_fitting(group, settings.max_tiles, floor, budget)
        tiles = tiles if tiles is not None else min(floors[i] for i in group)
        windows.append([(i, min(tiles, caps[i])) for i in group])
    notes = []
    if len(windows) > 1:
        notes.append(
            f"{len(pages)} pages do not fit one request even at {floor} max tiles: split into "
            f"{len(windows)} consecutive windows, each under {budget:,} page tokens"
        )
    squeezed = [pages[i].number for i in everything if caps[i] < floor]
    if squeezed:
        notes.append(
            f"the context is too small for page(s) {', '.join(map(str, squeezed[:10]))} at {floor} max tiles: "
            f"they get fewer (raise --context or lower --max-output)"
        )
    return Selection(windows, notes)


def first_pages(costs: PageCosts, budget: int) -> Selection:
    """--strategy single with nothing to rank by: the first pages that fit one request at min_tiles."""
    settings, pages = costs.settings, costs.pages
    floor = settings.min_tiles
    kept: list[int] = []
    used = 0
    for i in range(len(pages)):
        if kept and used + costs.cost(i, floor) > budget:
            break
        kept.append(i)  # the first page always: below min_tiles if the context is that small
        used += costs.cost(i, floor)
    tiles = costs.highest_fitting(kept, settings.max_tiles, 1, budget) or 1
    dropped = [
        DroppedPage(number=pages[i].number, score=None, reason="past the budget of one request")
        for i in range(len(kept), len(pages))
    ]
    note = (
        f"--strategy single: the first {len(kept)} pages fit one request at {tiles} max tiles; "
        f"dropped the other {len(dropped)} (a question whose words occur in the pages picks them by relevance)"
    )
    return Selection([[(i, tiles) for i in kept]], [note], dropped)


def most_relevant(
    costs: PageCosts, budget: int, relevance: Mapping[int, float | None], unmatched: str, notes: list[str]
) -> Selection | None:
    """One request holding the pages that matter: pages with no text at one tile (never dropped unseen),
    the best-matching pages at min_tiles as far as the budget goes, then raised to max_tiles in order of
    score. None when there is nothing to rank by, or the textless pages alone overflow (``notes`` then
    says why, for the strategy that follows)."""
    settings, pages = costs.settings, costs.pages
    scores = [relevance.get(p.number) for p in pages]
    unknown = [i for i, s in enumerate(scores) if s is None]
    ranked = sorted((i for i, s in enumerate(scores) if s), key=lambda i: (-(scores[i] or 0.0), i))
    if not ranked:
        notes.append("no page's text matches the question's words: pages are not ranked")
        return None
    chosen = {i: 1 for i in unknown}
    used = costs.total(unknown, 1)
    if used > budget:
        notes.append(f"the {len(unknown)} pages with no text overflow one request even at 1 tile: pages are not ranked")
        return None
    floor = settings.min_tiles
    for i in ranked:
        if used + costs.cost(i, floor) <= budget:
            chosen[i] = floor
            used += costs.cost(i, floor)
    for i in ranked:  # the most relevant first get the full resolution
        if i in chosen and used + costs.cost(i, settings.max_tiles) - costs.cost(i, chosen[i]) <= budget:
            used += costs.cost(i, settings.max_tiles) - costs.cost(i, chosen[i])
            chosen[i] = settings.max_tiles
    kept = sorted(chosen)
    rank_of = {i: r for r, i in enumerate(ranked, start=1)}
    dropped = []
    for i, s in enumerate(scores):
        if i not in chosen:
            reason = unmatched if not s else f"ranked {rank_of[i]}: past the budget"
            dropped.append(DroppedPage(number=pages[i].number, score=s, reason=reason))
    full = sum(1 for i in kept if chosen[i] == settings.max_tiles and scores[i])
    note = (
        f"the whole document does not fit at {settings.max_tiles} max tiles: kept the {len(kept) - len(unknown)} "
        f"pages that best match the question ({full} at {settings.max_tiles} max tiles or as text, the rest at "
        f"{floor})"
        + (f", {len(unknown)} page(s) with no text at 1 tile" if unknown else "")
        + f"; dropped {len(dropped)}"
    )
    return Selection([[(i, chosen[i]) for i in kept]], [note], dropped)


def _split(indices: Sequence[int], costs: list[int], budget: int) -> list[list[int]]:
    """Consecutive groups: as few as fit ``budget`` (greedy filling is optimal for that), then balanced
    by lowering the per-group capacity as far as that number of groups still allows."""

    def pack(capacity: int) -> list[list[int]]:
        groups: list[list[int]] = [[]]
        used = 0
        for i in indices:
            if groups[-1] and used + costs[i] > capacity:
                groups.append([])
                used = 0
            groups[-1].append(i)
            used += costs[i]
        return groups

    fewest = len(pack(budget))
    lo, hi = max(costs), budget
    while lo < hi:
        mid = (lo + hi) // 2
        if len(pack(mid)) <= fewest:
            hi = mid
        else:
            lo = mid + 1
    return pack(lo)
