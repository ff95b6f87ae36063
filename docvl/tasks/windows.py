"""What one request carries, window by window: rendered pages for engines that read pixels, text
layers for engines that read text. Shared by ask and extract."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from docvl.engines.base import Engine
from docvl.load.document import Document
from docvl.plan import Plan
from docvl.prompt import PageText
from docvl.render import PageRequest, render_pages
from docvl.render.base import RenderedPage
from docvl.render.textlayer import TextLayer


@dataclass
class WindowInput:
    index: int
    max_tiles: int
    numbers: list[int]
    pages: list[RenderedPage] = field(default_factory=list)
    texts: list[PageText] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


def window_inputs(
    doc: Document, plan: Plan, engine: Engine, *, tile_size: int, renderer: str = "pymupdf", workers: int = 1
) -> Iterator[WindowInput]:
    for window in plan.windows:
        start = time.perf_counter()
        members = [p for p in plan.pages if p.window == window.index]
        item = WindowInput(window.index, window.max_tiles, [p.number for p in members])
        if engine.reads == "text":
            with TextLayer(doc) as layer:
                item.texts = [PageText(p.number, layer.text(p.number)) for p in members]
            empty = [t.number for t in item.texts if not t.text.strip()]
            if empty:
                item.warnings.append(
                    f"page(s) {', '.join(map(str, empty))} have no text layer (scanned?); the text engine cannot "
                    "read them — use a model engine (--server)"
                )
        else:
            requests = [PageRequest(p.number, p.grid(tile_size)) for p in members]
            for page in render_pages(doc, requests, renderer=renderer, workers=workers, encode=engine.image_encoding):
                item.pages.append(page)
                item.warnings.extend(f"page {page.number}: {w}" for w in page.warnings)
        item.seconds = time.perf_counter() - start
        yield item
