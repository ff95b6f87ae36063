"""`docvl extract`: one validated record per document, written as JSON, JSONL or CSV."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer

from docvl.cli import options as opt
from docvl.cli.console import stderr
from docvl.cli.output_file import BatchOutput
from docvl.cli.run import BatchFlags, PageTicker, docvl_command, find_inputs, named, run_and_report, start_engine
from docvl.engines import EngineOptions
from docvl.schema import load_schema
from docvl.tasks.extract import ExtractOptions, extract_document, extract_user_text
from docvl.write import output_format, record, render_records, render_rows

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

  docvl extract invoices/ --schema s.json -o out.csv --server http://localhost:8000/v1 --min-confidence 0.9
      each value's confidence in _confidence.* columns; a record with an unsure value is partial, to be checked
"""


@docvl_command("extract")
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
    confidence: Annotated[
        bool,
        typer.Option(
            "--confidence",
            help="Give each value's confidence (_confidence): the probability of its least likely token, from the "
            "server's token log-probabilities. Costs some server throughput (vLLM before 0.14 turns off "
            "speculative decoding for such requests).",
        ),
    ] = False,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            "--min-confidence",
            min=0.0,
            max=1.0,
            help="Mark a record partial, naming the field, when a value's confidence is below this, e.g. 0.9: for "
            "a person to check. Implies --confidence; needs an engine that gives token log-probabilities (vLLM, "
            "transformers).",
        ),
    ] = None,
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
    attachments: opt.Attachments = False,
    dpi: opt.Dpi = opt.DEFAULT_DPI,
    renderer: opt.Renderer = "pymupdf",
    workers: opt.Workers = 1,
    context: opt.Context = opt.DEFAULTS.context,
    max_output: opt.MaxOutput = opt.DEFAULTS.max_output,
    max_tiles: opt.MaxTiles = opt.DEFAULTS.max_tiles,
    min_tiles: opt.MinTiles = opt.DEFAULTS.min_tiles,
    no_thumbnail: opt.NoThumbnail = False,
    tokenizer: opt.Tokenizer = None,
    page_mode: opt.PageMode = opt.DEFAULTS.page_mode,
    strategy: opt.Strategy = opt.DEFAULTS.strategy,
    max_images: opt.MaxImages = None,
    embedding_model: opt.EmbeddingModel = None,
    profile: opt.Profile = opt.DEFAULTS.profile,
    report: opt.Report = None,
    fail_fast: opt.FailFast = False,
    max_failures: opt.MaxFailures = None,
    quiet: opt.Quiet = False,
    document_timeout: opt.DocumentTimeout = None,
    force: opt.Force = False,
    debug: opt.Debug = False,
) -> None:
    err = stderr()
    the_schema = load_schema(schema)
    kind = output_format(output, fmt)
    render_records([], kind, csv_lines)  # checks --csv-lines before any work
    fields = list(the_schema["properties"])
    sink = BatchOutput(  # checks -o before any work
        output,
        kind,
        to_row=lambda result: record(result, fields),
        render=lambda rows: render_rows(rows, kind, csv_lines, fields),
    )
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
        max_images=max_images,
        embedding_model=embedding_model,
    )
    opt.check_renderer(renderer)
    system = cfg.profile.chat.think_system if think else cfg.profile.chat.no_think_system
    user = extract_user_text(the_schema)
    opt.check_room(cfg, system=system, user=user)  # before any document, and before the engine starts
    sources = find_inputs(files, err, attachments=attachments, password=password)
    engine_options = EngineOptions(
        server=server,
        model=model,
        timeout=timeout,
        retries=http_retries,
        concurrency=concurrency,
        structured=structured,
        extra={"device": device, "dtype": dtype, "loader": loader},
    )
    eng = start_engine(engine, engine_options, err, quiet=quiet)
    cfg = opt.fit_to_engine(cfg, eng, tokenizer, err)
    opt.check_room(cfg, system=system, user=user)  # again: the engine's tokenizer, a server's shorter context
    pages_bar = PageTicker()
    options = ExtractOptions(
        schema=the_schema,
        retries=retries,
        confidence=confidence,
        min_confidence=min_confidence,
        think=think,
        password=password,
        dpi=dpi,
        renderer=renderer,
        workers=workers,
        document_timeout=document_timeout,
        pdf_lock=threading.Lock(),
        engine_slots=threading.BoundedSemaphore(concurrency),
        on_pages=pages_bar,
        debug=debug,
    )
    # what changes a record: a re-run with other options must not reuse the old ones
    sink.resume(
        sources.files,
        force=force,
        engine=eng,
        engine_options=engine_options,
        planning=cfg,
        task="extract",
        schema=the_schema,
        retries=retries,
        confidence=confidence or min_confidence is not None,
        min_confidence=min_confidence,
        think=think,
        embedding_model=str(embedding_model) if embedding_model else None,
        pages=pages,
        dpi=dpi,
        renderer=renderer,
    )
    try:
        code = run_and_report(
            sources.files,
            named(sources, lambda path: extract_document(path, options, engine=eng, planning=cfg)),
            concurrency=concurrency if eng.capabilities.parallel_requests else 1,
            flags=BatchFlags(report=report, fail_fast=fail_fast, max_failures=max_failures, quiet=quiet),
            err=err,
            pages=pages_bar,
            journal=sink.journal,
            done=sink.done,
            on_outcome=sink.collect,
        )
    finally:
        eng.close()
    sink.finish(sources.files, err)
    raise typer.Exit(code)
