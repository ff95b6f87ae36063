"""`docvl extract`: one validated record per document, written as JSON, JSONL or CSV."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from docvl.batch import Journal, Outcome, journal_path, run_key
from docvl.cli import options as opt
from docvl.cli.console import stderr
from docvl.cli.run import BatchFlags, PageTicker, find_inputs, run_and_report, start_engine
from docvl.engines import EngineOptions
from docvl.errors import EXIT_DOCUMENT_FAILED
from docvl.schema import load_schema
from docvl.tasks.extract import ExtractOptions, extract_document
from docvl.write import (
    append_line,
    check_writable,
    jsonl_line,
    output_format,
    record,
    render_records,
    render_rows,
    write_atomic,
)

HELP = """Extract fields defined by a JSON Schema from each document: one validated record per document.

Every record carries the page each field came from (`_pages`), its status (ok / partial / failed) and
any validation errors. Null means the document does not state the field; it is never a guess.

[bold]Examples[/]

  docvl extract invoices/ --schema schemas/invoice.json -o out.csv
      a folder of invoices to one CSV (line items exploded to one row each)

  docvl extract invoice.pdf --schema schemas/invoice.json --server http://localhost:8000/v1
      schema-constrained JSON from a vLLM server, printed to stdout

  docvl extract contracts/ --schema mymodels:Contract -o contracts.jsonl --retries 3
      a pydantic model as the schema; re-ask up to 3 times when a reply does not validate

  docvl extract scans/ --schema s.json -o out.jsonl --report report.json --max-failures 20
      a CI batch: run it again after a kill and it does only what is left (--force redoes all)
"""


def extract_command(
    files: opt.Files,
    schema: Annotated[
        str,
        typer.Option("--schema", "-s", help="JSON Schema file (draft 2020-12) or a pydantic model as module:Class."),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Output file: .json, .jsonl or .csv (default: JSON on stdout)."),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="json, jsonl or csv (default: from -o's extension).")
    ] = None,
    csv_lines: Annotated[
        str, typer.Option("--csv-lines", help="CSV arrays: explode (one row per item) or json (the array in one cell).")
    ] = "explode",
    retries: Annotated[
        int, typer.Option("--retries", min=0, max=10, help="Re-asks when a reply does not validate.")
    ] = 2,
    think: opt.Think = False,
    engine: opt.Engine = "auto",
    server: opt.Server = None,
    model: opt.Model = None,
    device: opt.Device = "auto",
    dtype: opt.Dtype = "auto",
    loader: opt.Loader = "native",
    concurrency: opt.Concurrency = 4,
    timeout: opt.Timeout = 300.0,
    http_retries: opt.HttpRetries = 4,
    structured: opt.Structured = "auto",
    pages: opt.Pages = None,
    password: opt.Password = None,
    dpi: opt.Dpi = opt.DEFAULTS["dpi"],
    renderer: opt.Renderer = "pymupdf",
    workers: opt.Workers = 1,
    context: opt.Context = opt.DEFAULTS["context"],
    max_output: opt.MaxOutput = opt.DEFAULTS["max_output"],
    max_tiles: opt.MaxTiles = opt.DEFAULTS["max_tiles"],
    min_tiles: opt.MinTiles = opt.DEFAULTS["min_tiles"],
    no_thumbnail: opt.NoThumbnail = False,
    tokenizer: opt.Tokenizer = None,
    page_mode: opt.PageMode = opt.DEFAULTS["page_mode"],
    strategy: opt.Strategy = opt.DEFAULTS["strategy"],
    profile: opt.Profile = opt.DEFAULTS["profile"],
    report: opt.Report = None,
    fail_fast: opt.FailFast = False,
    max_failures: opt.MaxFailures = None,
    quiet: opt.Quiet = False,
    document_timeout: opt.DocumentTimeout = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Redo every document. Without it, a re-run with -o skips the documents an earlier run of the same "
            "command finished (kept in a journal beside the output, keyed by content hash and options).",
            rich_help_panel=opt.BATCH,
        ),
    ] = False,
) -> None:
    err = stderr()
    the_schema = load_schema(schema)
    kind = output_format(output, fmt)
    if output is not None:
        check_writable(output)
    render_records([], kind, csv_lines)  # checks --csv-lines before any work
    cfg = opt.planning(
        profile=profile,
        pages=pages,
        context=context,
        max_output=max_output,
        max_tiles=max_tiles,
        min_tiles=min_tiles,
        no_thumbnail=no_thumbnail,
        tokenizer=tokenizer,
        page_mode=page_mode,
        strategy=strategy,
    )
    sources = find_inputs(files, err)
    eng = start_engine(
        engine,
        EngineOptions(
            server=server,
            model=model,
            timeout=timeout,
            retries=http_retries,
            concurrency=concurrency,
            structured=structured,
            extra={"device": device, "dtype": dtype, "loader": loader},
        ),
        err,
    )
    cfg = opt.with_engine_tokenizer(cfg, eng, tokenizer)
    pages_bar = PageTicker()
    options = ExtractOptions(
        schema=the_schema,
        retries=retries,
        think=think,
        password=password,
        dpi=dpi,
        renderer=renderer,
        workers=workers,
        document_timeout=document_timeout,
        pdf_lock=threading.Lock(),
        engine_slots=threading.BoundedSemaphore(concurrency),
        on_pages=pages_bar,
    )
    fields = list(the_schema["properties"])
    existed = output is not None and output.exists()
    journal, done = None, {}
    if output is not None:
        # what changes a record: a re-run with other options must not reuse the old ones
        key = run_key(
            task="extract",
            schema=the_schema,
            retries=retries,
            think=think,
            engine=eng.name,
            model=getattr(eng, "model", None),
            structured=structured,
            settings=cfg.settings.model_dump(),
            profile=cfg.profile.name,
            pages=pages,
            dpi=dpi,
            renderer=renderer,
        )
        on_append = (lambda r: append_line(output, jsonl_line(record(r, fields)))) if kind == "jsonl" else None
        journal = Journal(journal_path(output), key, on_append=on_append)
        if force:
            journal.reset()
        done = journal.finished(sources.files)
        if not done:
            journal.reset()  # nothing in it for these inputs and options: start it afresh
        if kind == "jsonl":  # what earlier runs finished, whole; the rest is appended as it finishes
            write_atomic(output, "".join(jsonl_line(record(done[p], fields)) for p in sources.files if p in done))
    rows: dict[Path, dict] = {}  # records only, not whole results: memory stays small on big batches
    counts = dict.fromkeys(("ok", "partial", "failed"), 0)

    def collect(outcome: Outcome) -> None:
        counts[outcome.result.status] += 1
        # Failed documents are reported, not written: a row of nulls would read as "not in the document".
        if outcome.result.status != "failed":
            rows[outcome.path] = record(outcome.result, fields)
            if output is None and kind == "jsonl":
                sys.stdout.write(jsonl_line(rows[outcome.path]))
                sys.stdout.flush()

    try:
        code = run_and_report(
            sources.files,
            lambda path: extract_document(path, options, engine=eng, planning=cfg),
            concurrency=concurrency if eng.reads == "pixels" else 1,
            flags=BatchFlags(report=report, fail_fast=fail_fast, max_failures=max_failures, quiet=quiet),
            err=err,
            pages=pages_bar,
            journal=journal,
            done=done,
            on_outcome=collect,
        )
    finally:
        eng.close()
    # the whole output in input order, replacing the lines appended as documents finished
    text = render_rows([rows[p] for p in sources.files if p in rows], kind, csv_lines, fields)
    if output is None:
        if kind != "jsonl":
            sys.stdout.write(text)  # raw: a console would rewrap lines and expand tabs inside CSV cells
    elif not rows and not existed:
        # every document failed: no file of no records, which a later step could take for a result
        output.unlink(missing_ok=True)
        output = None
    else:
        try:
            write_atomic(output, text)
        except OSError as exc:
            err.print(
                f"[bold red]error[/]: cannot write {escape(str(output))}: {escape(str(exc))} — check the path and free space"
            )
            raise typer.Exit(EXIT_DOCUMENT_FAILED) from exc
    where = f" -> {output}" if output else (" (nothing written)" if not rows else "")
    err.print(f"{sum(counts.values())} document(s): {counts['ok']} ok, {counts['partial']} partial, {counts['failed']} failed{where}")
    raise typer.Exit(code)
