"""Plan stage: decide how each page goes (image, text or both), how many tiles it gets, which pages are
left out and which share a request, within the context.

Budget for pages = context - tokens reserved for the answer - prompt tokens. A page costs its label
("Page 7:") plus its image tokens (profile arithmetic) and/or its text-layer tokens.

- ``--page-mode auto`` (default) sends a born-digital page whose content is all text as its text layer,
  far cheaper than its image; a page with raster images, vector graphics (ruled tables, charts) or no
  text layer goes as an image. ``image``, ``text`` and ``both`` force one way (a page with no text is
  always an image).
- A document that fits at ``max_tiles`` goes whole, in one request.
- Otherwise (``--strategy``):
  - ``auto``: with a question (or a schema) whose words occur in the pages, keep the pages that match
    it best, in one request: the best at ``max_tiles``, the next at ``min_tiles``, pages with no text
    at one tile (never dropped unseen); the rest are dropped, each with its reason. When nothing
    matches, as ``map-reduce``.
  - ``map-reduce``: every page kept. Lower ``max_tiles`` for all pages alike, down to ``min_tiles``,
    until they fit one request; else split into consecutive windows, as few as fit at ``min_tiles``,
    balanced in cost, each given back the highest ``max_tiles`` that still fits it. The task runs per
    window and then combines (ask: a final reduce call; extract: a field-by-field merge).
  - ``single``: one request whatever it costs in pages: the best-matching pages as in ``auto``, or
    without a match the first pages that fit at ``min_tiles``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from docvl.errors import UsageError
from docvl.load.document import PageInfo
from docvl.load.textlayer import PageContent
from docvl.profiles.base import Grid, ModelProfile
from docvl.tokens import TokenCounter

PAGE_LABEL = "Page {number}:\n"
PAGE_MODES = ("auto", "image", "text", "both")
STRATEGIES = ("auto", "single", "map-reduce")
# A page's text travels as a content part of its own; servers join parts with a separator token.
TEXT_PART_OVERHEAD = 1
DEFAULT_MAX_OUTPUT = 1024
DEFAULT_MIN_TILES = 6


class PlanSettings(BaseModel):
    context: int = Field(49_152, description="context window of the model, tokens")
    max_output: int = Field(DEFAULT_MAX_OUTPUT, description="tokens reserved for the answer")
    max_tiles: int = Field(12, description="most tiles per page (thumbnail not counted)")
    min_tiles: int = Field(DEFAULT_MIN_TILES, description="lowest max_tiles before the document is split")
    thumbnail: bool = Field(True, description="add the whole-page thumbnail tile when a page has several tiles")
    page_mode: Literal["auto", "image", "text", "both"] = Field("auto", description="how pages go (module docstring)")
    strategy: Literal["auto", "single", "map-reduce"] = Field("auto", description="when a document does not fit")
    max_images: int | None = Field(
        None, ge=1, description="most page images in one request (a server's --limit-mm-per-prompt); None: no limit"
    )


class PagePlan(BaseModel):
    number: int = Field(description="1-based page number in the source")
    width: int = Field(description="nominal width in px the grid was chosen from")
    height: int
    mode: Literal["image", "text", "both"] = Field("image", description="what is sent: the image, the text layer, both")
    mode_reason: str = Field("", description="why the page goes that way")
    max_tiles: int = Field(description="the max_tiles this page was planned with (0: sent as text only)")
    cols: int
    rows: int
    thumbnail: bool
    tiles: int = Field(description="tiles sent, thumbnail included")
    image_tokens: int = Field(description="image tokens, <img>/</img> included")
    text_tokens: int = Field(0, description="tokens of the page's text layer, when it is sent")
    label_tokens: int = Field(description="tokens of the page's text label")
    tokens: int
    window: int = Field(description="1-based number of the request (window) this page goes in")
    score: float | None = Field(
        None,
        description="relevance to the question or schema (signals fused by reciprocal rank, docvl.relevance); "
        "None: no text to judge",
    )
    language: str | None = Field(
        None, description="language of the page's text (ISO 639-1), as ranking reads it; None: no text"
    )
    evidence: str | None = Field(
        None,
        description="why the page ranked where it did: each signal's rank (text, meaning, headings, sections, "
        "grams, type, next to), or why an overview question kept it",
    )

    def grid(self, tile_size: int) -> Grid:
        return Grid(self.cols, self.rows, self.thumbnail, tile_size)


class Window(BaseModel):
    index: int = Field(description="1-based request number")
    first_page: int
    last_page: int
    pages: int
    max_tiles: int
    page_tokens: int
    tokens: int = Field(description="prompt + pages: what the request costs before the answer")


class DroppedPage(BaseModel):
    number: int
    score: float | None
    reason: str


class Plan(BaseModel):
    profile: str
    token_counter: str
    exact_token_count: bool
    settings: PlanSettings
    prompt_tokens: int = Field(description="system + user text and chat template")
    page_budget: int = Field(description="context - max_output - prompt_tokens")
    pages: list[PagePlan]
    windows: list[Window]
    fits_whole: bool = Field(
        False, description="every page at max_tiles within one request's tokens: nothing was reduced or dropped"
    )
    dropped: list[DroppedPage] = Field(default_factory=list, description="pages left out, and why")
    notes: list[str] = Field(default_factory=list, description="why the plan is what it is, in words")

    @property
    def fits_one_window(self) -> bool:
        return len(self.windows) == 1

    @property
    def total_tokens(self) -> int:
        return sum(w.tokens for w in self.windows)


def plan_pages(
    pages: Sequence[PageInfo],
    *,
    profile: ModelProfile,
    counter: TokenCounter,
    system: str,
    user: str,
    settings: PlanSettings | None = None,
    relevance: Mapping[int, float | None] | None = None,
    contents: Mapping[int, PageContent] | None = None,
    evidence: Mapping[int, str] | None = None,
    unmatched: str = "no word of the question on the page",
) -> Plan:
    """Plan a document (module docstring). ``relevance``: page number -> score (docvl.relevance), None
    for a page with no text to judge. ``contents``: page number -> text layer (load.textlayer); pages
    without one go as images. ``evidence``: why each page ranked where it did; ``unmatched``: why a page
    scoring 0 is left out."""
    settings = settings or PlanSettings()
    check_settings(settings, profile)
    if not pages:
        raise ValueError("plan_pages needs at least one page")
    prompt_tokens = counter.count_chat(system, user)
    budget = settings.context - settings.max_output - prompt_tokens
    labels = [counter.count(PAGE_LABEL.format(number=p.number)) for p in pages]
    modes = [_page_mode(settings.page_mode, (contents or {}).get(p.number)) for p in pages]
    texts = [
        counter.count((contents or {})[p.number].text) + TEXT_PART_OVERHEAD if mode != "image" else 0
        for p, (mode, _) in zip(pages, modes, strict=True)
    ]

    def grid(i: int, max_tiles: int) -> Grid:
        return profile.grid(pages[i].width, pages[i].height, max_tiles, settings.thumbnail)

    def cost(i: int, max_tiles: int) -> int:
        image = profile.image_tokens(grid(i, max_tiles)) if modes[i][0] != "text" else 0
        return labels[i] + texts[i] + image

    cheapest = max(cost(i, 1) for i in range(len(pages)))
    if budget < cheapest:
        raise UsageError(
            f"the context leaves {budget:,} tokens for pages (context {settings.context:,} - answer "
            f"{settings.max_output:,} - prompt {prompt_tokens:,}), but one page needs at least {cheapest:,}",
            fix="raise --context or lower --max-output",
        )
    notes: list[str] = []
    dropped: list[DroppedPage] = []
    everything = range(len(pages))
    as_text = sum(1 for mode, _ in modes if mode == "text")
    if as_text:
        notes.append(f"{as_text} of {len(pages)} pages go as their text layer (--page-mode {settings.page_mode})")
    windows: list[list[tuple[int, int]]] | None = None  # each window: (page index, max_tiles) in page order
    fits_whole = sum(cost(i, settings.max_tiles) for i in everything) <= budget
    imaged = [mode != "text" for mode, _ in modes]
    if settings.max_images is not None and sum(imaged) > settings.max_images and settings.strategy != "single":
        # the cap forces several requests anyway: every page, each window at the most tiles it can take,
        # rather than pages ranked and dropped (or tiles lowered) to fit one request first
        windows = _image_windows(pages, cost, budget, settings, imaged, notes)
    elif fits_whole:
        windows = [[(i, settings.max_tiles) for i in everything]]
    elif settings.strategy != "map-reduce":
        if relevance is not None:
            windows = _select_relevant(pages, relevance, cost, budget, settings, notes, dropped, unmatched)
        if windows is None and settings.strategy == "single":
            windows = _first_pages(pages, cost, budget, settings, notes, dropped)
    if windows is None:
        windows = _even_windows(pages, cost, budget, settings, notes)
    if settings.max_images is not None:
        windows = _cap_images(windows, imaged, settings.max_images, notes)  # --strategy single: said in a note

    page_plans: list[PagePlan] = []
    window_plans: list[Window] = []
    for w_index, members in enumerate(windows, start=1):
        w_tokens = 0
        for i, t in members:
            p = pages[i]
            mode, why = modes[i]
            g = grid(i, t) if mode != "text" else Grid(0, 0, False, profile.tile_size)
            image_tokens = profile.image_tokens(g) if mode != "text" else 0
            page_plans.append(
                PagePlan(
                    number=p.number,
                    width=p.width,
                    height=p.height,
                    mode=mode,
                    mode_reason=why,
                    max_tiles=t if mode != "text" else 0,
                    cols=g.cols,
                    rows=g.rows,
                    thumbnail=g.thumbnail,
                    tiles=g.tiles if mode != "text" else 0,
                    image_tokens=image_tokens,
                    text_tokens=texts[i],
                    label_tokens=labels[i],
                    tokens=cost(i, t),
                    window=w_index,
                    score=relevance.get(p.number) if relevance else None,
                    evidence=(evidence or {}).get(p.number),
                )
            )
            w_tokens += cost(i, t)
        window_plans.append(
            Window(
                index=w_index,
                first_page=pages[members[0][0]].number,
                last_page=pages[members[-1][0]].number,
                pages=len(members),
                # what the server is told; each page is drawn at its own grid, which any max_tiles at
                # least as large reproduces exactly (the drawn image has the grid's own shape)
                max_tiles=max((t for i, t in members if modes[i][0] != "text"), default=settings.max_tiles),
                page_tokens=w_tokens,
                tokens=w_tokens + prompt_tokens,
            )
        )
    return Plan(
        profile=profile.name,
        token_counter=counter.name,
        exact_token_count=counter.exact,
        settings=settings,
        prompt_tokens=prompt_tokens,
        page_budget=budget,
        pages=page_plans,
        windows=window_plans,
        fits_whole=fits_whole,
        dropped=dropped,
        notes=notes,
    )


def _image_windows(
    pages, cost, budget: int, settings: PlanSettings, imaged: list[bool], notes: list[str]
) -> list[list[tuple[int, int]]]:
    """Consecutive windows of at most max_images page images that fit the budget at min_tiles, then each
    given back the most tiles it can take."""
    limit, floor = settings.max_images or 1, settings.min_tiles
    groups: list[list[int]] = [[]]
    images = used = 0
    for i in range(len(pages)):
        need = cost(i, floor)
        if groups[-1] and ((imaged[i] and images == limit) or used + need > budget):
            groups.append([])
            images = used = 0
        groups[-1].append(i)
        images += imaged[i]
        used += need
    windows = []
    for group in groups:
        tiles = _highest_fitting(group, cost, settings.max_tiles, 1, budget) or 1
        windows.append([(i, tiles) for i in group])
    notes.append(
        f"at most {limit} page image(s) per request (--max-images): all {len(pages)} pages in {len(windows)} "
        "consecutive requests, each at the most tiles it can take"
    )
    return windows


def _cap_images(
    windows: list[list[tuple[int, int]]], imaged: list[bool], limit: int, notes: list[str]
) -> list[list[tuple[int, int]]]:
    """Consecutive sub-windows with at most ``limit`` page images each (text pages do not count); each is
    a part of a window that fit, so it fits too."""
    capped: list[list[tuple[int, int]]] = []
    for members in windows:
        part: list[tuple[int, int]] = []
        images = 0
        for i, tiles in members:
            if imaged[i] and images == limit:
                capped.append(part)
                part, images = [], 0
            part.append((i, tiles))
            images += imaged[i]
        capped.append(part)
    if len(capped) > len(windows):
        notes.append(
            f"at most {limit} page image(s) per request (--max-images): {len(windows)} request(s) became {len(capped)}"
        )
    return capped


def _page_mode(
    setting: Literal["auto", "image", "text", "both"], content: PageContent | None
) -> tuple[Literal["image", "text", "both"], str]:
    if content is None or not content.text.strip():
        return "image", "no text layer"
    if setting == "image":
        return "image", "--page-mode image"
    if setting in ("text", "both"):
        return setting, f"--page-mode {setting}"
    return ("text" if content.text_only else "image"), content.why


def _even_windows(pages, cost, budget: int, settings: PlanSettings, notes: list[str]) -> list[list[tuple[int, int]]]:
    """Every page, tiles lowered alike down to min_tiles, then consecutive windows (module docstring)."""
    everything = range(len(pages))
    single = _highest_fitting(everything, cost, settings.max_tiles, settings.min_tiles, budget)
    if single is not None:
        if single < settings.max_tiles:
            notes.append(
                f"max tiles lowered from {settings.max_tiles} to {single} so all {len(pages)} pages fit one request"
            )
        return [[(i, single) for i in everything]]
    floor = settings.min_tiles
    # A page too big for a window even at min_tiles gets fewer tiles still (only with tiny contexts).
    floors = [_highest_fitting([i], cost, floor, 1, budget) or 1 for i in everything]
    caps = [f if f < floor else settings.max_tiles for f in floors]
    windows = []
    for group in _split(everything, [cost(i, floors[i]) for i in everything], budget):
        tiles = _highest_fitting(group, cost, settings.max_tiles, floor, budget)
        tiles = tiles if tiles is not None else min(floors[i] for i in group)
        windows.append([(i, min(tiles, caps[i])) for i in group])
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
    return windows


def _first_pages(
    pages, cost, budget: int, settings: PlanSettings, notes: list[str], dropped: list[DroppedPage]
) -> list[list[tuple[int, int]]]:
    """--strategy single with nothing to rank by: the first pages that fit one request at min_tiles."""
    floor = settings.min_tiles
    kept: list[int] = []
    used = 0
    for i in range(len(pages)):
        if kept and used + cost(i, floor) > budget:
            break
        kept.append(i)  # the first page always: below min_tiles if the context is that small
        used += cost(i, floor)
    tiles = _highest_fitting(kept, cost, settings.max_tiles, 1, budget) or 1
    for i in range(len(kept), len(pages)):
        dropped.append(DroppedPage(number=pages[i].number, score=None, reason="past the budget of one request"))
    notes.append(
        f"--strategy single: the first {len(kept)} pages fit one request at {tiles} max tiles; "
        f"dropped the other {len(dropped)} (a question whose words occur in the pages picks them by relevance)"
    )
    return [[(i, tiles) for i in kept]]


def _select_relevant(
    pages,
    relevance: Mapping[int, float | None],
    cost,
    budget: int,
    settings: PlanSettings,
    notes: list[str],
    dropped,
    unmatched: str,
) -> list[list[tuple[int, int]]] | None:
    """One request holding the pages that matter: pages with no text at one tile (never dropped unseen),
    the best-matching pages at min_tiles as far as the budget goes, then raised to max_tiles in order of
    score. None when there is nothing to rank by, or the textless pages alone overflow."""
    scores = [relevance.get(p.number) for p in pages]
    unknown = [i for i, s in enumerate(scores) if s is None]
    ranked = sorted((i for i, s in enumerate(scores) if s), key=lambda i: (-(scores[i] or 0.0), i))
    if not ranked:
        notes.append("no page's text matches the question's words: pages are not ranked")
        return None
    chosen = {i: 1 for i in unknown}
    used = sum(cost(i, 1) for i in unknown)
    if used > budget:
        notes.append(f"the {len(unknown)} pages with no text overflow one request even at 1 tile: pages are not ranked")
        return None
    floor = settings.min_tiles
    for i in ranked:
        if used + cost(i, floor) <= budget:
            chosen[i] = floor
            used += cost(i, floor)
    for i in ranked:  # the most relevant first get the full resolution
        if i in chosen and used + cost(i, settings.max_tiles) - cost(i, chosen[i]) <= budget:
            used += cost(i, settings.max_tiles) - cost(i, chosen[i])
            chosen[i] = settings.max_tiles
    kept = sorted(chosen)
    rank_of = {i: r for r, i in enumerate(ranked, start=1)}
    for i, s in enumerate(scores):
        if i not in chosen:
            reason = unmatched if not s else f"ranked {rank_of[i]}: past the budget"
            dropped.append(DroppedPage(number=pages[i].number, score=s, reason=reason))
    full = sum(1 for i in kept if chosen[i] == settings.max_tiles and scores[i])
    notes.append(
        f"the whole document does not fit at {settings.max_tiles} max tiles: kept the {len(kept) - len(unknown)} "
        f"pages that best match the question ({full} at {settings.max_tiles} max tiles or as text, the rest at "
        f"{floor})"
        + (f", {len(unknown)} page(s) with no text at 1 tile" if unknown else "")
        + f"; dropped {len(dropped)}"
    )
    return [[(i, chosen[i]) for i in kept]]


def check_settings(settings: PlanSettings, profile: ModelProfile) -> None:
    """Raise a UsageError for settings no document could be planned with."""
    limit = profile.max_tiles_limit
    if not 1 <= settings.max_tiles <= limit:
        raise UsageError(
            f"--max-tiles {settings.max_tiles} is out of range", fix=f"use 1 to {limit} for {profile.name}"
        )
    if not 1 <= settings.min_tiles <= settings.max_tiles:
        raise UsageError(
            f"--min-tiles {settings.min_tiles} is out of range",
            fix=f"use 1 to --max-tiles ({settings.max_tiles})",
        )
    if not 1 <= settings.context <= profile.max_context:
        raise UsageError(
            f"--context {settings.context:,} is out of range",
            fix=f"{profile.name} takes at most {profile.max_context:,} tokens",
        )
    if not 1 <= settings.max_output < settings.context:
        raise UsageError(f"--max-output {settings.max_output:,} is out of range", fix="use 1 to less than --context")


def _highest_fitting(group: Sequence[int], cost, high: int, low: int, budget: int) -> int | None:
    """The largest max_tiles in [low, high] at which the pages in ``group`` fit ``budget``. Tile counts
    never fall as max_tiles rises, so the first fit from the top is the answer."""
    for tiles in range(high, low - 1, -1):
        if sum(cost(i, tiles) for i in group) <= budget:
            return tiles
    return None


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
