"""What each page costs in tokens at a given number of tiles, and how it goes (image, text or both):
the arithmetic every strategy plans with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from docvl.errors import UsageError
from docvl.load.document import PageInfo
from docvl.load.textlayer import PageContent
from docvl.planner.models import PAGE_LABEL, TEXT_PART_OVERHEAD, PlanSettings
from docvl.profiles.base import Grid, ModelProfile
from docvl.tokens import TokenCounter

Mode = Literal["image", "text", "both"]


@dataclass(frozen=True)
class PageCosts:
    """One document's pages priced: a page costs its label ("Page 7:"), its text-layer tokens when its
    text is sent, and its image tokens (profile arithmetic) when its image is."""

    pages: Sequence[PageInfo]
    profile: ModelProfile
    settings: PlanSettings
    labels: list[int]  # tokens of each page's label
    modes: list[tuple[Mode, str]]  # how each page goes, and why
    texts: list[int]  # tokens of each page's text part (0 when it goes as an image only)

    @classmethod
    def of(
        cls,
        pages: Sequence[PageInfo],
        profile: ModelProfile,
        counter: TokenCounter,
        settings: PlanSettings,
        contents: Mapping[int, PageContent] | None,
    ) -> PageCosts:
        contents = contents or {}
        modes = [page_mode(settings.page_mode, contents.get(p.number)) for p in pages]
        return cls(
            pages=pages,
            profile=profile,
            settings=settings,
            labels=[counter.count(PAGE_LABEL.format(number=p.number)) for p in pages],
            modes=modes,
            texts=[
                counter.count(contents[p.number].text) + TEXT_PART_OVERHEAD if mode != "image" else 0
                for p, (mode, _) in zip(pages, modes, strict=True)
            ],
        )

    def grid(self, i: int, max_tiles: int) -> Grid:
        page = self.pages[i]
        return self.profile.grid(page.width, page.height, max_tiles, self.settings.thumbnail)

    def cost(self, i: int, max_tiles: int) -> int:
        image = self.profile.image_tokens(self.grid(i, max_tiles)) if self.modes[i][0] != "text" else 0
        return self.labels[i] + self.texts[i] + image

    @property
    def imaged(self) -> list[bool]:
        """Which pages send an image (what --max-images counts)."""
        return [mode != "text" for mode, _ in self.modes]

    def total(self, indices: Sequence[int], max_tiles: int) -> int:
        return sum(self.cost(i, max_tiles) for i in indices)

    def highest_fitting(self, group: Sequence[int], high: int, low: int, budget: int) -> int | None:
        """The largest max_tiles in [low, high] at which the pages in ``group`` fit ``budget``. Tile counts
        never fall as max_tiles rises, so the first fit from the top is the answer."""
        for tiles in range(high, low - 1, -1):
            if self.total(group, tiles) <= budget:
                return tiles
        return None

    def check_room(self, budget: int, prompt_tokens: int) -> None:
        """A budget that cannot hold the dearest page even at one tile: a usage error (exit 2)."""
        cheapest = max(self.cost(i, 1) for i in range(len(self.pages)))
        if budget < cheapest:
            s = self.settings
            raise UsageError(
                f"the context leaves {budget:,} tokens for pages (context {s.context:,} - answer "
                f"{s.max_output:,} - prompt {prompt_tokens:,}), but one page needs at least {cheapest:,}",
                fix="raise --context or lower --max-output",
            )


def page_mode(setting: Literal["auto", "image", "text", "both"], content: PageContent | None) -> tuple[Mode, str]:
    """How a page goes under --page-mode ``setting`` (module docstring of docvl.planner)."""
    if content is None or not content.text.strip():
        return "image", "no text layer"
    if setting == "image":
        return "image", "--page-mode image"
    if setting in ("text", "both"):
        return setting, f"--page-mode {setting}"
    return ("text" if content.text_only else "image"), content.why
