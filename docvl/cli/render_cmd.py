"""`docvl render`: write the page images the model will see, drawn at the planned grid sizes."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from docvl.cli import options as opt
from docvl.cli.console import error_line, page_progress, stderr, warning_line
from docvl.cli.run import find_inputs
from docvl.errors import EXIT_DOCUMENT_FAILED, EXIT_OK, InputError, UsageError
from docvl.load import load_document
from docvl.plan import plan_pages
from docvl.render import DEFAULT_RENDERER, PDF_RENDERERS, PageRequest, render_pages
from docvl.write import current_umask

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
    try:
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".docvl-probe-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"-o {output}: cannot write there ({exc.strerror or exc})", fix="pass a writable folder"
        ) from exc
    failed = 0
    used_names: set[str] = set()
    for path in find_inputs(files, err).files:
        name = _folder_name(path, used_names)
        staging = None
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
            # Pages go to a hidden folder that is renamed into place when the document is complete:
            # a failure half-way leaves nothing behind, and a re-run replaces the old pages whole.
            staging = Path(tempfile.mkdtemp(dir=output, prefix=f".{name}."))
            requests = [PageRequest(p.number, p.grid(model.tile_size)) for p in plan.pages]
            progress = page_progress(err, doc.name, len(requests))
            # PNG encoding is most of the work here, so it happens in the render workers.
            for page in progress(render_pages(doc, requests, renderer=renderer, workers=workers, encode="png")):
                for warning in page.warnings:
                    warning_line(err, path, f"page {page.number}: {warning}")
                (staging / f"page-{page.number:04d}.png").write_bytes(page.encoded.data)
                if page.encoded_thumbnail is not None:
                    (staging / f"page-{page.number:04d}-thumb.png").write_bytes(page.encoded_thumbnail.data)
            _publish(staging, output / name)
            staging = None
            err.print(f"{escape(str(path))}: {len(requests)} page(s) written to {escape(str(output / name))}")
        except InputError as exc:
            failed += 1
            error_line(err, exc)
        except OSError as exc:
            failed += 1
            err.print(
                f"[bold red]error[/]: {escape(str(path))}: cannot write the pages ({escape(str(exc))}) — check free space and permissions"
            )
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
    raise typer.Exit(EXIT_DOCUMENT_FAILED if failed else EXIT_OK)


def _folder_name(path: Path, used: set[str]) -> str:
    """One folder per input; a second report.pdf (from another folder) becomes report-2, not a mix."""
    base = path.stem or path.name
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}-{n}"
    used.add(name)
    return name


def _publish(staging: Path, target: Path) -> None:
    mode = 0o777 & ~current_umask()
    staging.chmod(mode)
    for f in staging.iterdir():
        f.chmod(mode & 0o666)
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(target)


