"""What a plan is: the settings it was made with, each page's mode, tiles and tokens, the requests
(windows) and the pages left out. Typed: the CLI's --json and every result carry it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from docvl.errors import UsageError
from docvl.profiles.base import Grid, ModelProfile

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
