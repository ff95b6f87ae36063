"""What one request carries, window by window: rendered pages for engines that read pixels, text
layers for engines that read text. Shared by ask and extract."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace

from docvl.engines.base import Engine
from docvl.load.document import Document
from docvl.load.textlayer import PageContent
from docvl.planner import Plan
from docvl.prompt import PageText
from docvl.render import PageRequest, render_pages
from docvl.render.base import RenderedPage


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
    doc: Document,
    plan: Plan,
    engine: Engine,
    *,
    contents: Mapping[int, PageContent],
    tile_size: int,
    renderer: str = "pymupdf",
    workers: int = 1,
    draw: Callable[[list[PageRequest]], list[RenderedPage]] | None = None,
) -> Iterator[WindowInput]:
    """``contents``: the text layers read for planning (load.textlayer.read_contents). ``draw``: how a
    window's pages are drawn and encoded for an engine that sends files (docvl.pool's workers); without
    it they are drawn here. An engine that sends files gets no thumbnails: its server makes its own. Encoded pages keep their bytes only: the engine sends those, and pixels would
    hold several MB a page for as long as the request is in flight."""
    for window in plan.windows:
        start = time.perf_counter()
        members = [p for p in plan.pages if p.window == window.index]
        item = WindowInput(window.index, window.max_tiles, [p.number for p in members])
        if not engine.capabilities.reads_pixels:
            texts = {p.number: contents[p.number].text if p.number in contents else "" for p in members}
            empty = {n for n, text in texts.items() if not text.strip()}
            if empty and engine.capabilities.reads_textless_pages:
                # scanned pages, drawn at the planned grid size for the engine to read (the text engine's OCR)
                requests = [PageRequest(p.number, p.grid(tile_size)) for p in members if p.number in empty]
                item.pages.extend(render_pages(doc, requests, renderer=renderer))
            item.texts = [PageText(n, texts[n]) for n in item.numbers]
        else:
            requests = [PageRequest(p.number, p.grid(tile_size)) for p in members if p.mode != "text"]
            encode = engine.capabilities.image_encoding
            if draw is not None and requests:
                drawn: Iterable[RenderedPage] = draw(requests)
            else:
                drawn = render_pages(
                    doc, requests, renderer=renderer, workers=workers, encode=encode, thumbnails=encode is None
                )
            for page in drawn:
                if encode is not None:
                    page = replace(page, _image=None, _thumbnail=None)
                item.pages.append(page)
                item.warnings.extend(f"page {page.number}: {w}" for w in page.warnings)
            item.texts = [PageText(p.number, contents[p.number].text) for p in members if p.mode != "image"]
        item.seconds = time.perf_counter() - start
        yield item
