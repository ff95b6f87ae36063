"""Render stage: each planned page drawn straight at its grid's pixel size (and its thumbnail).

PDF pages go through the chosen rasterizer (``pymupdf`` by default, ``pdfium`` or ``poppler``);
image files always through Pillow. Pages are produced one at a time, in order, so memory holds only
the pages in flight, never the document.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from itertools import islice

from docvl.errors import InputError, RenderError, UsageError
from docvl.load.document import Document
from docvl.load.sniff import IMAGE_FIX
from docvl.render.base import (
    ENCODINGS,
    EncodedImage,
    PageRequest,
    Rasterizer,
    RasterizerFactory,
    RenderedPage,
    encode_image,
)
from docvl.render.image_renderer import ImageRasterizer
from docvl.render.pdfium_renderer import PdfiumRasterizer
from docvl.render.poppler_renderer import PopplerRasterizer
from docvl.render.pymupdf_renderer import PyMuPDFRasterizer

PDF_RENDERERS: dict[str, RasterizerFactory] = {
    "pymupdf": PyMuPDFRasterizer,
    "pdfium": PdfiumRasterizer,
    "poppler": PopplerRasterizer,
}
DEFAULT_RENDERER = "pymupdf"
# Below this many pages a second process costs more to start than it saves.
MIN_PAGES_PER_WORKER = 8

__all__ = [
    "DEFAULT_RENDERER",
    "ENCODINGS",
    "PDF_RENDERERS",
    "EncodedImage",
    "PageRequest",
    "RenderedPage",
    "open_rasterizer",
    "render_pages",
]


def open_rasterizer(document: Document, renderer: str = DEFAULT_RENDERER) -> Rasterizer:
    if document.kind == "image":
        return ImageRasterizer(document)
    if document.reader == "pdfium":  # MuPDF could not read this file (load_pdf's second opinion)
        return PdfiumRasterizer(document)
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
    encode: str | None = None,
    thumbnails: bool = True,
) -> Iterator[RenderedPage]:
    """Yield one RenderedPage per request, in request order.

    ``thumbnails``: also draw each grid's whole-page thumbnail. A model server makes its own from the
    image it is sent (vLLM's tiling adds it), so pages for a server are drawn without one.

    ``encode`` ("png" or "jpeg") also encodes each page image, for engines that send files. Only then
    do ``workers`` > 1 help: each worker process opens its own copy of the document (MuPDF and PDFium
    are not thread-safe) and returns encoded bytes. Raw pixels would have to cross a pipe at about
    100 MB/s, slower than drawing them (bench/render.py), so without encoding pages are drawn here.
    """
    if encode is not None and encode not in ENCODINGS:
        raise UsageError(f"unknown image encoding {encode!r}", fix=f"choose one of: {', '.join(ENCODINGS)}")
    workers = max(1, min(workers, len(requests) // MIN_PAGES_PER_WORKER, os.cpu_count() or 1))
    if workers == 1 or encode is None:
        yield from _render_serial(document, requests, renderer, encode, thumbnails)
        return
    chunk = max(1, min(8, len(requests) // (workers * 4)))
    batches = [list(islice(requests, i, i + chunk)) for i in range(0, len(requests), chunk)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # At most two batches per worker in flight, taken in order: a slow consumer (an engine waiting on
        # a server) holds a few pages in memory, never the document.
        pending: deque = deque()
        for batch in batches:
            pending.append(pool.submit(_render_batch, (document, renderer, encode, thumbnails, batch)))
            if len(pending) >= workers * 2:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _render_serial(
    document: Document, requests: Sequence[PageRequest], renderer: str, encode: str | None, thumbnails: bool
) -> Iterator[RenderedPage]:
    raster = open_rasterizer(document, renderer)
    try:
        for req in requests:
            yield _render_one(raster, document, req, encode, thumbnails)
    finally:
        raster.close()


def _render_one(
    raster: Rasterizer, document: Document, req: PageRequest, encode: str | None, thumbnails: bool = True
) -> RenderedPage:
    sizes = [req.grid.pixel_size]
    if req.grid.thumbnail_size and thumbnails:
        sizes.append(req.grid.thumbnail_size)
    try:
        images, warnings = raster.render(req.number, sizes)
    except (UsageError, InputError):  # already says what is wrong and what to do
        raise
    except Exception as exc:
        if document.kind == "image":  # PDF advice (mutool, --pages) does not apply to a photo
            where, fix = "the image", IMAGE_FIX
        else:
            where = f"page {req.number}"
            fix = "the file is damaged there: repair it (e.g. `mutool clean`), or skip the page with --pages"
        raise RenderError(f"{where} could not be drawn ({exc})", path=document.path, fix=fix) from exc
    image, thumbnail = images[0], (images[1] if len(images) > 1 else None)
    return RenderedPage(
        number=req.number,
        grid=req.grid,
        _image=image,
        _thumbnail=thumbnail,
        encoded=encode_image(image, encode) if encode else None,
        encoded_thumbnail=encode_image(thumbnail, encode) if encode and thumbnail is not None else None,
        warnings=warnings,
    )


def _render_batch(args: tuple[Document, str, str, bool, list[PageRequest]]) -> list[RenderedPage]:
    document, renderer, encode, thumbnails, requests = args
    raster = open_rasterizer(document, renderer)
    try:
        out = []
        for req in requests:
            page = _render_one(raster, document, req, encode, thumbnails)
            # send the encoded bytes only; the parent decodes pixels if it ever needs them
            out.append(replace(page, _image=None, _thumbnail=None))
        return out
    finally:
        raster.close()
