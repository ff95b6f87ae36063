"""`docvl render`: write the page images the model will see, drawn at the planned grid sizes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from docvl.cli import options as opt
from docvl.cli.console import error_line, page_progress, stderr, warning_line
from docvl.errors import EXIT_DOCUMENT_FAILED, EXIT_OK, InputError, UsageError
from docvl.load import discover, load_document
from docvl.plan import plan_pages
from docvl.render import DEFAULT_RENDERER, PDF_RENDERERS, PageRequest, render_pages

HELP = """Write the page images a model will be sent: each page drawn at its planned grid size, plus its thumbnail.

Use it to check legibility before spending GPU time: what you see is what the model reads.

[bold]Examples[/]

  docvl render report.pdf -o pages/
      pages/report/page-0001.png (grid size) and page-0001-thumb.png, one pair per page

  docvl render scan.pdf --max-tiles 6 --pages 3 -o /tmp/check --renderer pdfium
      one page at 6 tiles, drawn by PDFium instead of MuPDF
"""


def render_command(
    files: opt.Files,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write into (one sub-folder per document).")],
    renderer: Annotated[
        str, typer.Option("--renderer", help=f"PDF rasterizer: {', '.join(PDF_RENDERERS)}. Images always use Pillow.")
    ] = DEFAULT_RENDERER,
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Processes that draw and encode pages (long documents).")
    ] = 2,
    pages: opt.Pages = None,
    password: opt.Password = None,
    dpi: opt.Dpi = opt.DEFAULTS["dpi"],
    context: opt.Context = opt.DEFAULTS["context"],
    max_output: opt.MaxOutput = opt.DEFAULTS["max_output"],
    max_tiles: opt.MaxTiles = opt.DEFAULTS["max_tiles"],
    min_tiles: opt.MinTiles = opt.DEFAULTS["min_tiles"],
    no_thumbnail: opt.NoThumbnail = False,
    profile: opt.Profile = opt.DEFAULTS["profile"],
) -> None:
    err = stderr()
    if renderer not in PDF_RENDERERS:
        raise UsageError(f"unknown renderer {renderer!r}", fix=f"choose one of: {', '.join(PDF_RENDERERS)}")
    cfg = opt.planning(
        profile=profile,
        pages=pages,
        context=context,
        max_output=max_output,
        max_tiles=max_tiles,
        min_tiles=min_tiles,
        no_thumbnail=no_thumbnail,
    )
    model = cfg.profile
    failed = 0
    for path in discover(files).files:
        try:
            doc = load_document(path, password=password, selection=cfg.selection, dpi=dpi)
            plan = plan_pages(
                doc.pages,
                profile=model,
                counter=cfg.counter,
                system=model.chat.no_think_system,
                user="",
                settings=cfg.settings,
            )
            for warning in doc.warnings:
                warning_line(err, path, warning)
            folder = output / _folder_name(doc.path)
            folder.mkdir(parents=True, exist_ok=True)
            requests = [PageRequest(p.number, p.grid(model.tile_size)) for p in plan.pages]
            written = 0
            progress = page_progress(err, f"{doc.name}", len(requests))
            # PNG encoding is most of the work here, so it happens in the render workers.
            for page in progress(render_pages(doc, requests, renderer=renderer, workers=workers, encode="png")):
                for warning in page.warnings:
                    warning_line(err, path, f"page {page.number}: {warning}")
                _save(page.encoded.data, folder / f"page-{page.number:04d}.png")
                if page.encoded_thumbnail is not None:
                    _save(page.encoded_thumbnail.data, folder / f"page-{page.number:04d}-thumb.png")
                written += 1
            err.print(f"{path}: {written} page(s) written to {folder}")
        except InputError as exc:
            failed += 1
            error_line(err, exc)
    raise typer.Exit(EXIT_DOCUMENT_FAILED if failed else EXIT_OK)


def _folder_name(path: Path) -> str:
    return path.stem or path.name


def _save(data: bytes, target: Path) -> None:
    """Whole file or nothing: write beside the target, then rename over it."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
