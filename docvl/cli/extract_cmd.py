"""`docvl extract`: one validated record per document, written as JSON, JSONL or CSV."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from docvl.batch import Outcome
from docvl.cli import options as opt
from docvl.cli.console import stderr, warning_line
from docvl.cli.output_file import BatchOutput, ShardOutput, shard_output
from docvl.cli.run import BatchFlags, docvl_command, named, prepare_run, run_and_report
from docvl.ray_runner import runner_for
from docvl.schema import load_schema
from docvl.shards import Rows
from docvl.tasks.extract import ExtractOptions, extract_document, extract_user_text
from docvl.write import CSV_LINES, FORMATS, format_records, format_rows, output_format, record


def _highlighting(collect: Callable[[Outcome], None], folder: Path, documents: opt.Documents, err: Console):
    """``collect`` that also writes each located document's highlighted copy to ``folder`` (local files;
    inputs at URLs are fetched for their turn only and said as skipped)."""
    from docvl.highlight import highlight

    folder.mkdir(parents=True, exist_ok=True)
    written: set[str] = set()

    def run(outcome: Outcome) -> None:
        collect(outcome)
        result = outcome.result
        if outcome.reused or result.status == "failed" or not outcome.path.exists():
            return
        name = outcome.path.name
        n = 1
        while name in written:  # two inputs of one name from different folders
            n += 1
            name = f"{outcome.path.stem}-{n}{outcome.path.suffix}"
        written.add(name)
        try:
            highlight(result, outcome.path, folder, password=documents.password, name=name)
        except Exception as exc:  # a copy that cannot be made must not end the batch
            warning_line(err, result.path, f"--highlight: no copy written ({type(exc).__name__}: {exc})")

    return run


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
@opt.grouped(**opt.TASK_GROUPS)
def extract_command(
    files: opt.Files,
    schema: Annotated[
        str,
        typer.Option("--schema", "-s", help="JSON Schema file (draft 2020-12) or a pydantic model as module:Class."),
    ],
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", help="Output file: .json, .jsonl or .csv (default: JSON on stdout)."),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar=opt.choices(*FORMATS),
            help="json, jsonl or csv (default: from -o's extension); jsonl or parquet with --output-dir.",
        ),
    ] = None,
    csv_lines: Annotated[
        str,
        typer.Option(
            "--csv-lines",
            metavar=opt.choices(*CSV_LINES),
            help="CSV arrays: explode (one row per item) or json (the array in one cell).",
        ),
    ] = "explode",
    output_dir: opt.OutputDir = None,
    highlight_dir: Annotated[
        Path | None,
        typer.Option(
            "--highlight",
            help="Write a copy of each document to this folder with every located value marked, for a reviewer: "
            "a PDF with highlight notes (field and value), an image as PNG with the boxes drawn. Green: exact, "
            "blue: normalised, orange: fuzzy match, purple: found by OCR on a scan.",
            show_default=False,
        ),
    ] = None,
    require_located: Annotated[
        bool,
        typer.Option(
            "--require-located",
            help="Mark a record partial, naming the field, when a value is found nowhere in the document's text "
            "(computed, misread or made up): for a person to check. Every value's boxes are in _boxes either way.",
        ),
    ] = False,
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
    structured: opt.Structured = "auto",
    *,
    planning: opt.PlanningOptions,
    documents: opt.Documents,
    drawing: opt.Drawing,
    engines: opt.EngineChoice,
    batch: opt.Batch,
) -> None:
    err = stderr()
    the_schema = load_schema(schema)
    fields = list(the_schema["properties"])
    shards = shard_output(output_dir, output, fmt, Rows("extract", tuple(fields)), batch.runner)
    sink: BatchOutput | ShardOutput
    if shards is not None:
        sink = shards
    else:
        kind = output_format(Path(output) if output is not None else None, fmt)
        format_records([], kind, csv_lines)  # checks --csv-lines before any work
        sink = BatchOutput.to(  # checks -o before any work
            output,
            kind,
            to_row=lambda result: record(result, fields),
            format_rows=lambda rows: format_rows(rows, kind, csv_lines, fields),
        )
    run, pages_bar = prepare_run(
        files, err, user=extract_user_text(the_schema), think=think,
        planning=planning, documents=documents, drawing=drawing, engines=engines, batch=batch,
        structured=structured,
    )  # fmt: skip
    cfg, eng, sources = run.planning, run.engine, run.sources
    own: dict[str, Any] = {
        "schema": the_schema,
        "retries": retries,
        "confidence": confidence,
        "min_confidence": min_confidence,
        "require_located": require_located,
    }
    options = ExtractOptions(**own, **run.document_options)
    # what changes a record: a re-run with other options must not reuse the old ones
    sink.resume(
        sources.files,
        force=batch.force,
        journal=lambda path: run.journal(path, task="extract", structured=structured, **options.resume_fields()),
    )
    try:
        code = run_and_report(
            sources.files,
            named(sources, lambda path: extract_document(path, options, engine=eng, planning=cfg), "extract"),
            concurrency=engines.concurrency if eng.capabilities.parallel_requests else 1,
            flags=BatchFlags(
                report=batch.report, fail_fast=batch.fail_fast, max_failures=batch.max_failures, quiet=batch.quiet
            ),
            err=err,
            pages=pages_bar,
            journal=sink.journal,
            done=sink.done,
            on_outcome=sink.collect
            if highlight_dir is None
            else _highlighting(sink.collect, highlight_dir, documents, err),
            runner=runner_for(
                run,
                "extract",
                user=extract_user_text(the_schema),
                think=think,
                own=own,
                structured=structured,
                shards=(shards.target, shards.rows) if shards is not None else None,
            ),
        )
    finally:
        run.close()
    sink.finish(sources.files, err)
    raise typer.Exit(code)
