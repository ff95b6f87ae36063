"""Render stage: each planned page drawn straight at its grid's pixel size (and its thumbnail).

PDF pages go through the chosen rasterizer (``pymupdf`` by default, ``pdfium`` or ``poppler``);
image files always through Pillow. Pages are produced one at a time, in order, so memory holds only
the pages in flight, never the document.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

from PIL import Image

from docvl.errors import RenderError, UsageError
from docvl.load.document import Document
from docvl.render.base import PageRequest, Rasterizer, RenderedPage
from docvl.render.image_renderer import ImageRasterizer
from docvl.render.pdfium_renderer import PdfiumRasterizer
from docvl.render.poppler_renderer import PopplerRasterizer
from docvl.render.pymupdf_renderer import PyMuPDFRasterizer

PDF_RENDERERS = {
    "pymupdf": PyMuPDFRasterizer,
    "pdfium": PdfiumRasterizer,
    "poppler": PopplerRasterizer,
}
DEFAULT_RENDERER = "pymupdf"
# Below this many pages a second process costs more to start than it saves.
MIN_PAGES_PER_WORKER = 8

__all__ = ["DEFAULT_RENDERER", "PDF_RENDERERS", "PageRequest", "RenderedPage", "open_rasterizer", "render_pages"]


def open_rasterizer(document: Document, renderer: str = DEFAULT_RENDERER) -> Rasterizer:
    if document.kind == "image":
        return ImageRasterizer(document)
    try:
        factory = PDF_RENDERERS[renderer]
    except KeyError:
        raise UsageError(f"unknown renderer {renderer!r}", fix=f"choose one of: {', '.join(PDF_RENDERERS)}") from None
    return factory(document)


def render_pages(
    document: Document,
    requests: Sequence[PageRequest],
    *,
    renderer: str = DEFAULT_RENDERER,
    workers: int = 1,
) -> Iterator[RenderedPage]:
    """Yield one RenderedPage per request, in request order.

    ``workers`` > 1 renders in that many processes, each with its own open copy of the document
    (MuPDF is not thread-safe on one document, and rendering holds the GIL). Worth it for long PDFs;
    short ones are rendered in-process whatever ``workers`` says.
    """
    workers = max(1, min(workers, len(requests) // MIN_PAGES_PER_WORKER, os.cpu_count() or 1))
    if workers == 1:
        yield from _render_serial(document, requests, renderer)
        return
    chunk = max(1, min(16, len(requests) // (workers * 4)))
    batches = [list(islice(requests, i, i + chunk)) for i in range(0, len(requests), chunk)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # map() keeps order and runs ahead of the consumer only by what the pool has in flight.
        for batch in pool.map(_render_batch, [(document, renderer, b) for b in batches]):
            for number, grid, image, thumb, warnings in batch:
                yield RenderedPage(number, grid, _unpack(image), _unpack(thumb), warnings)


def _render_serial(document: Document, requests: Sequence[PageRequest], renderer: str) -> Iterator[RenderedPage]:
    raster = open_rasterizer(document, renderer)
    try:
        for req in requests:
            yield _render_one(raster, document, req)
    finally:
        raster.close()


def _render_one(raster: Rasterizer, document: Document, req: PageRequest) -> RenderedPage:
    sizes = [req.grid.pixel_size]
    if req.grid.thumbnail_size:
        sizes.append(req.grid.thumbnail_size)
    try:
        images, warnings = raster.render(req.number, sizes)
    except UsageError:
        raise
    except Exception as exc:
        raise RenderError(f"page {req.number} could not be drawn ({exc})", path=document.path) from exc
    return RenderedPage(
        number=req.number,
        grid=req.grid,
        image=images[0],
        thumbnail=images[1] if len(images) > 1 else None,
        warnings=warnings,
    )


def _render_batch(args: tuple[Document, str, list[PageRequest]]) -> list[tuple]:
    document, renderer, requests = args
    raster = open_rasterizer(document, renderer)
    try:
        out = []
        for req in requests:
            page = _render_one(raster, document, req)
            out.append((page.number, page.grid, _pack(page.image), _pack(page.thumbnail), page.warnings))
        return out
    finally:
        raster.close()


def _pack(img: Image.Image | None) -> tuple | None:
    # Raw bytes cross the process boundary with one copy; pickling a PIL image re-encodes nothing either,
    # but goes through more Python.
    return None if img is None else (img.mode, img.size, img.tobytes())


def _unpack(packed: tuple | None) -> Image.Image | None:
    if packed is None:
        return None
    mode, size, data = packed
    return Image.frombuffer(mode, size, data, "raw", mode, 0, 1)
