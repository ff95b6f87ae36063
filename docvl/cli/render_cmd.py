"""`docvl render`: write what the model will be sent for each page: its image at the planned grid size,
or the text layer for a page that goes as text (--page-mode)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from docvl.cli import options as opt
from docvl.cli.console import error_line, page_progress, stderr, warning_line
from docvl.cli.run import docvl_command, find_inputs, one_document
from docvl.errors import DRAWING, EXIT_DOCUMENT_FAILED, EXIT_OK, PLANNING, WRITING, DocvlError, UsageError
from docvl.load import load_document
from docvl.load.textlayer import read_contents, reading_order
from docvl.planning import plan_document
from docvl.prepare import check_renderer, check_room
from docvl.render import PageRequest, render_pages
from docvl.write import current_umask

HELP = """Write what a model will be sent for each page: its image at the planned grid size plus the thumbnail,
or, for a page that goes as text (--page-mode auto picks all-text pages), the text it will read.

Use it to check legibility before spending GPU time: what you see is what the model reads.

[bold]Examples[/]

  docvl render report.pdf -o pages/
      pages/report/page-0007.png (grid size) + page-0007-thumb.png for a drawn page, page-0001.txt for a text one

  docvl render scan.pdf --max-tiles 6 --pages 3 -o /tmp/check --renderer pdfium
      one page at 6 tiles, drawn by PDFium instead of MuPDF

  docvl render contract.pdf --page-mode image -o pages/
      every page as an image, text-only pages included
"""


@docvl_command("render")
@opt.grouped(
    planning=opt.PLANNING_GROUP,
    documents=opt.DOCUMENTS_GROUP,
    drawing=opt.DRAWING_GROUP.with_defaults(workers=2),  # long documents: drawing is the work here
)
def render_command(
    files: opt.Files,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write into (one sub-folder per document).")],
    question: Annotated[
        str,
        typer.Option(
            "--question", "-q", help="The question the requests will carry: long documents keep the pages it matches."
        ),
    ] = "",
    think: opt.Think = False,
    *,
    planning: opt.PlanningOptions,
    documents: opt.Documents,
    drawing: opt.Drawing,
) -> None:
    err = stderr()
    check_renderer(drawing.renderer)
    cfg = planning.build()
    model = cfg.profile
    try:
        output.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=output, prefix=".docvl-probe-"):
            pass
    except OSError as exc:
        raise UsageError(
            f"-o {output}: cannot write there ({exc.strerror or exc})", fix="pass a writable folder"
        ) from exc
    system = model.chat.think_system if think else model.chat.no_think_system
    check_room(cfg, system=system, user=question)  # before any document
    failed = 0
    used_names: set[str] = set()
    sources = find_inputs(files, err, attachments=documents.attachments, password=documents.password)
    for path in sources.files:
        shown = sources.display(path)  # an attachment: outer.pdf#invoice.pdf
        name = _folder_name(Path(shown), used_names)
        staging = None
        with one_document(path, debug=documents.debug, name=shown) as step:
            try:
                doc = load_document(path, password=documents.password, selection=cfg.selection, dpi=documents.dpi)
                contents = read_contents(doc, order=reading_order(cfg.settings.page_mode))
                step.stage = PLANNING
                plan = plan_document(doc, contents, cfg, system=system, user=question, query=question or None)
                for warning in doc.warnings:
                    warning_line(err, shown, warning)
                # Pages go to a hidden folder that is renamed into place when the document is complete:
                # a failure half-way leaves nothing behind, and a re-run replaces the old pages whole.
                step.stage = WRITING
                staging = Path(tempfile.mkdtemp(dir=output, prefix=f".{name}."))
                for p in plan.pages:
                    if p.mode in ("text", "both"):
                        (staging / f"page-{p.number:04d}.txt").write_text(contents[p.number].text, encoding="utf-8")
                requests = [PageRequest(p.number, p.grid(model.tile_size)) for p in plan.pages if p.mode != "text"]
                progress = page_progress(err, doc.name, len(requests))
                # PNG encoding is most of the work here, so it happens in the render workers.
                step.stage = DRAWING
                for page in progress(
                    render_pages(doc, requests, renderer=drawing.renderer, workers=drawing.processes, encode="png")
                ):
                    step.stage = WRITING
                    for said in page.warnings:
                        warning_line(err, shown, f"page {page.number}: {said}")
                    assert page.encoded is not None  # asked for with encode="png"
                    (staging / f"page-{page.number:04d}.png").write_bytes(page.encoded.data)
                    if page.encoded_thumbnail is not None:
                        (staging / f"page-{page.number:04d}-thumb.png").write_bytes(page.encoded_thumbnail.data)
                    step.stage = DRAWING
                step.stage = WRITING
                _publish(staging, output / name)
                staging = None
            except OSError as exc:
                if step.stage != WRITING:
                    raise  # not ours to explain: an internal error (one_document)
                raise DocvlError(
                    f"cannot write the pages ({exc.strerror or exc})",
                    path=shown,
                    fix="check free space and permissions",
                ) from exc
            finally:
                if staging is not None:
                    shutil.rmtree(staging, ignore_errors=True)
        for warning in step.warnings:
            warning_line(err, shown, warning)
        if step.error is not None:
            failed += 1
            error_line(err, step.error)
            continue
        texts = sum(p.mode != "image" for p in plan.pages)
        dropped = f", {len(plan.dropped)} left out (docvl plan says why)" if plan.dropped else ""
        err.print(
            f"{escape(shown)}: {len(requests)} page image(s), {texts} page text(s) written to "
            f"{escape(str(output / name))}{dropped}"
        )
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
