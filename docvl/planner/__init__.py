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

The package, in the order a plan is made: ``models`` (what a plan is), ``costs`` (each page priced),
``strategies`` (which pages in which request), and here ``plan_pages``, which assembles the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from docvl.load.document import PageInfo
from docvl.load.textlayer import PageContent
from docvl.planner.costs import PageCosts
from docvl.planner.models import (
    DEFAULT_MAX_OUTPUT,
    DEFAULT_MIN_TILES,
    PAGE_LABEL,
    PAGE_MODES,
    STRATEGIES,
    TEXT_PART_OVERHEAD,
    DroppedPage,
    PagePlan,
    Plan,
    PlanSettings,
    Window,
    check_settings,
)
from docvl.planner.strategies import Selection, choose
from docvl.profiles.base import Grid, ModelProfile
from docvl.tokens import TokenCounter

__all__ = [
    "DEFAULT_MAX_OUTPUT",
    "DEFAULT_MIN_TILES",
    "PAGE_LABEL",
    "PAGE_MODES",
    "STRATEGIES",
    "TEXT_PART_OVERHEAD",
    "DroppedPage",
    "PagePlan",
    "Plan",
    "PlanSettings",
    "Window",
    "check_settings",
    "plan_pages",
]


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
    costs = PageCosts.of(pages, profile, counter, settings, contents)
    costs.check_room(budget, prompt_tokens)
    selection, fits_whole = choose(costs, budget, relevance, unmatched)
    as_text = sum(1 for mode, _ in costs.modes if mode == "text")
    if as_text:
        selection.notes.insert(
            0, f"{as_text} of {len(pages)} pages go as their text layer (--page-mode {settings.page_mode})"
        )
    page_plans, window_plans = _assemble(costs, selection, prompt_tokens, relevance, evidence)
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
        dropped=selection.dropped,
        notes=selection.notes,
    )


def _assemble(
    costs: PageCosts,
    selection: Selection,
    prompt_tokens: int,
    relevance: Mapping[int, float | None] | None,
    evidence: Mapping[int, str] | None,
) -> tuple[list[PagePlan], list[Window]]:
    """Each selected page's plan and each request's, from the selection's (page index, max_tiles)."""
    profile, pages = costs.profile, costs.pages
    page_plans: list[PagePlan] = []
    window_plans: list[Window] = []
    for w_index, members in enumerate(selection.windows, start=1):
        w_tokens = 0
        for i, t in members:
            p = pages[i]
            mode, why = costs.modes[i]
            g = costs.grid(i, t) if mode != "text" else Grid(0, 0, False, profile.tile_size)
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
                    image_tokens=profile.image_tokens(g) if mode != "text" else 0,
                    text_tokens=costs.texts[i],
                    label_tokens=costs.labels[i],
                    tokens=costs.cost(i, t),
                    window=w_index,
                    score=relevance.get(p.number) if relevance else None,
                    evidence=(evidence or {}).get(p.number),
                )
            )
            w_tokens += costs.cost(i, t)
        window_plans.append(
            Window(
                index=w_index,
                first_page=pages[members[0][0]].number,
                last_page=pages[members[-1][0]].number,
                pages=len(members),
                # what the server is told; each page is drawn at its own grid, which any max_tiles at
                # least as large reproduces exactly (the drawn image has the grid's own shape)
                max_tiles=max((t for i, t in members if costs.modes[i][0] != "text"), default=costs.settings.max_tiles),
                page_tokens=w_tokens,
                tokens=w_tokens + prompt_tokens,
            )
        )
    return page_plans, window_plans
