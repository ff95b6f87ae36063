"""`docvl plan`: show how each document will be cut into tiles and requests, before any model runs."""

from __future__ import annotations

import json
from itertools import groupby
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from docvl.cli import options as opt
from docvl.cli.console import error_line, stderr, stdout, warning_line
from docvl.cli.run import docvl_command, find_inputs, one_document
from docvl.errors import EXIT_DOCUMENT_FAILED, EXIT_OK, PLANNING
from docvl.load import Document, load_document
from docvl.load.document import DocumentWarning
from docvl.load.textlayer import read_contents
from docvl.pages import page_list
from docvl.planner import Plan
from docvl.planning import plan_document
from docvl.prepare import check_room
from docvl.write import write_atomic

MAX_WINDOW_LINES = 8

HELP = """Show how documents fit the model's context: tiles per page, tokens, and how pages are split into requests.

Nothing is sent to a model. Run it first to see what a document will cost.

[bold]Examples[/]

  docvl plan report.pdf
      every page at up to 12 tiles, or lowered / split until it fits 49,152 tokens

  docvl plan report.pdf --max-tiles 6 --pages 1-20
      cheaper pages (a Letter page: 7 tiles = 1,792 tokens instead of 3,328)

  docvl plan scans/ --context 131072 --json > plan.json
      a whole folder against the model's full 128K context, as JSON

  docvl plan contract.pdf --question "When does the agreement end?" --tokenizer ./Nemotron-Nano-12B-v2-VL
      reserve the prompt's tokens, counted by the model's own tokenizer
"""


@docvl_command("plan")
@opt.grouped(planning=opt.PLANNING_GROUP, documents=opt.DOCUMENTS_GROUP)
def plan_command(
    files: opt.Files,
    question: Annotated[
        str,
        typer.Option(
            "--question", "-q", help="The question or instruction the request will carry (its tokens are reserved)."
        ),
    ] = "",
    think: Annotated[
        bool, typer.Option("--think/--no-think", help="Plan for a reasoning (/think) or direct (/no_think) request.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON (every page, every field).")] = False,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Also write one self-contained page drawing each page's thumbnail with its tile grid, image or text and "
            "why, its score and request, and the pages left out greyed: to open in a browser.",
            show_default=False,
        ),
    ] = None,
    *,
    planning: opt.PlanningOptions,
    documents: opt.Documents,
) -> None:
    out, err = stdout(), stderr()
    cfg = planning.build()
    system = cfg.profile.chat.think_system if think else cfg.profile.chat.no_think_system
    sources = find_inputs(files, err, attachments=documents.attachments, password=documents.password)

    check_room(cfg, system=system, user=question)  # before any document

    results: list[dict] = []
    drawn: list[tuple[str, Document, Plan]] = []  # for --html
    failed = 0
    for path in sources.files:
        shown = sources.display(path)  # an attachment: outer.pdf#invoice.pdf
        with one_document(path, debug=documents.debug, name=shown) as step:
            doc = load_document(path, password=documents.password, selection=cfg.selection, dpi=documents.dpi)
            contents = read_contents(doc)
            step.stage = PLANNING
            plan = plan_document(doc, contents, cfg, system=system, user=question, query=question)
        if step.error is not None:
            failed += 1
            for warning in step.warnings:
                warning_line(err, shown, warning)
            error_line(err, step.error)
            results.append({"path": shown, "status": "failed", "error": step.error.to_dict()})
            continue
        for warning in [*doc.warnings, *step.warnings]:
            warning_line(err, shown, warning)
        results.append({**_document_json(doc, plan, step.warnings), "path": shown})
        if html is not None:
            drawn.append((shown, doc, plan))
        if not as_json:
            _print_plan(out, doc, plan, shown)
    if html is not None:
        from docvl.plan_html import render

        write_atomic(html, render(drawn))
        err.print(f"plan drawn -> {escape(str(html))}")
    if as_json:
        payload = {"documents": results, "skipped": [str(p) for p in sources.skipped]}
        out.out(json.dumps(payload, indent=2, ensure_ascii=False), highlight=False)
    raise typer.Exit(EXIT_DOCUMENT_FAILED if failed else EXIT_OK)


def _document_json(doc: Document, plan: Plan, library: list[DocumentWarning]) -> dict:
    return {
        "path": str(doc.path),
        "status": "ok",
        "format": doc.format,
        "page_count": doc.page_count,
        "warnings": [w.to_dict() for w in [*doc.warnings, *library]],
        "plan": plan.model_dump(),
    }


def _print_plan(out, doc: Document, plan: Plan, shown: str) -> None:
    unit = "pt" if doc.kind == "pdf" else "px"
    table = Table(
        title=f"{escape(shown)}  ({doc.format}, {len(doc.pages)} of {doc.page_count} pages)",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
    )
    scored = any(p.score is not None for p in plan.pages) or bool(plan.dropped)
    columns = [
        ("Pages", "right"),
        (f"Size ({unit})", "right"),
        ("Sent as", "left"),
        ("Grid", "left"),
        ("Tiles", "right"),
        ("Tokens", "right"),
        ("Window", "right"),
    ]
    if scored:
        columns.append(("Score", "right"))
    for name, justify in columns:
        table.add_column(name, justify="right" if justify == "right" else "left")
    by_number = {p.number: p for p in doc.pages}

    def size_of(number: int) -> str:
        info = by_number[number]
        if info.width_pt is not None:
            return f"{info.width_pt:.0f}x{info.height_pt:.0f}"
        return f"{info.width}x{info.height}"

    # Consecutive pages that look the same share one row, so a 1,500-page plan stays readable.
    # Text pages differ in tokens page by page: they share a row all the same, with the range.
    def key(p):
        tokens = p.tokens if p.mode == "image" else None
        language = p.language if p.language != "en" else None
        return (
            size_of(p.number),
            p.mode,
            p.mode_reason,
            language,
            p.cols,
            p.rows,
            p.thumbnail,
            p.tiles,
            tokens,
            p.window,
            p.score,
        )

    for (size, mode, why, language, cols, rows, thumb, tiles, _, window, score), group in groupby(plan.pages, key=key):
        run = list(group)
        first, last = run[0].number, run[-1].number
        low, high = min(p.tokens for p in run), max(p.tokens for p in run)
        sent = {"image": "image", "text": "text", "both": "image+text"}[mode]
        if why not in ("text only", "no text layer", "") and not why.startswith("--"):
            sent += f" ({why})"
        if language:  # not English: ranking and the model read it in this language
            sent += f" {escape(f'[{language}]')}"
        row = [
            str(first) if first == last else f"{first}-{last}",
            size,
            sent,
            "-" if mode == "text" else f"{cols}x{rows}" + (" +thumb" if thumb else ""),
            str(tiles),
            f"{low:,}" if low == high else f"{low:,}-{high:,}",
            str(window),
        ]
        if scored:
            row.append("no text" if score is None else f"{score:.2f}")
        table.add_row(*row)
    out.print(table)
    if plan.dropped:
        by_reason: dict[str, list[int]] = {}
        for d in plan.dropped:
            by_reason.setdefault("past the budget" if d.reason.startswith("ranked") else d.reason, []).append(d.number)
        parts = [f"{len(nums)} {why} (pages {page_list(nums, 15)})" for why, nums in by_reason.items()]
        out.print(f"  dropped {len(plan.dropped)} page(s): " + "; ".join(parts))
    s = plan.settings
    out.print(
        f"  budget: context {s.context:,} - answer {s.max_output:,} - prompt {plan.prompt_tokens:,} "
        f"= {plan.page_budget:,} tokens for pages  [dim](text counted by {plan.token_counter})[/]"
    )
    listed = plan.windows if len(plan.windows) <= MAX_WINDOW_LINES else [*plan.windows[:3], None, *plan.windows[-2:]]
    for w in listed:
        if w is None:
            out.print(f"  ... {len(plan.windows) - 5} more requests (--json lists them all)")
            continue
        span = f"page {w.first_page}" if w.pages == 1 else f"pages {w.first_page}-{w.last_page}"
        out.print(
            f"  request {w.index}: {span} ({w.pages} page{'s' if w.pages > 1 else ''} at max tiles {w.max_tiles}): "
            f"{w.page_tokens:,} page tokens, {w.tokens:,} with the prompt"
        )
    verdict = "fits one request" if plan.fits_one_window else f"needs {len(plan.windows)} requests"
    out.print(f"  [bold]{verdict}[/]; {plan.total_tokens:,} prompt tokens in all")
    for note in plan.notes:
        out.print(f"  note: {note}")
    out.print()
