"""`docvl ask`: an answer to a question about a document, and the pages it rests on."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from docvl.batch import Outcome
from docvl.cli import options as opt
from docvl.cli.console import stderr, stdout
from docvl.cli.output_file import BatchOutput, ShardOutput, shard_output
from docvl.cli.run import BatchFlags, docvl_command, named, prepare_run, run_and_report
from docvl.errors import UsageError
from docvl.ray_runner import runner_for
from docvl.results import DocumentResult
from docvl.shards import Rows
from docvl.tasks.ask import DEFAULT_MAX_REQUESTS, AskOptions, ask_document, ask_user_text
from docvl.write import FORMATS, answer_record, format_rows, output_format

HELP = """Ask a question of a document: prints the answer and the pages it rests on.

Pages are sent as images to a vision-language model (Nemotron Nano V2 VL) on an OpenAI-compatible server.
With no server configured, the text engine answers instead by quoting the best-matching passages.

[bold]Examples[/]

  docvl ask report.pdf "What drove the 2023 margin drop?"
      answer + pages; text engine unless a server is configured

  docvl ask report.pdf "What drove the 2023 margin drop?" --server http://localhost:8000/v1
      ask the model served by `vllm serve nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-BF16 --trust-remote-code`

  docvl ask contract.pdf "When can either party terminate?" --think --show-reasoning
      let the model reason first, and print its reasoning too

  docvl ask scans/ "What is the total?" --json > answers.json
      every document in a folder; the whole result (pages, plan, usage, timings) as JSON

  docvl ask contracts/ "Who are the parties?" -o answers.csv --report report.json
      a CI batch: one row per document; run it again after a kill and it does only what is left
"""


@docvl_command("ask")
@opt.grouped(**opt.TASK_GROUPS)
def ask_command(
    files: Annotated[
        list[str],
        typer.Argument(
            help="PDF or image files or folders, then the question (last).",
            show_default=False,
            metavar="FILE QUESTION",
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole result as JSON.")] = False,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            help="Write one row per document (file, status, question, answer, pages, errors) to a .json, .jsonl or "
            ".csv file instead of printing answers; a re-run skips the documents already done.",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar=opt.choices(*FORMATS),
            help="json, jsonl or csv: -o's format (default: its extension), or without -o rows on stdout; "
            "jsonl or parquet with --output-dir.",
        ),
    ] = None,
    output_dir: opt.OutputDir = None,
    think: opt.Think = False,
    show_reasoning: Annotated[
        bool, typer.Option("--show-reasoning", help="Print the model's reasoning trace too.")
    ] = False,
    max_requests: opt.MaxRequests = DEFAULT_MAX_REQUESTS,
    *,
    planning: opt.PlanningOptions,
    documents: opt.Documents,
    drawing: opt.Drawing,
    engines: opt.EngineChoice,
    batch: opt.Batch,
) -> None:
    if len(files) < 2:
        raise UsageError(
            "docvl ask needs a document and a question", fix='e.g. docvl ask report.pdf "What is the total?"'
        )
    *inputs, question = files
    out, err = stdout(), stderr()
    if (output is not None or fmt is not None) and as_json:
        raise UsageError("--json prints whole results; -o/--format write one row per document", fix="use one of them")
    sink: BatchOutput | ShardOutput | None = None
    shards = shard_output(output_dir, output, fmt, Rows("ask", reasoning=show_reasoning), batch.runner)
    if shards is not None:
        if as_json:
            raise UsageError("--json prints whole results; --output-dir writes shards", fix="use one of them")
        sink = shards
    elif output is not None or fmt is not None:  # rows: to the file, or in --format on stdout
        kind = output_format(Path(output) if output is not None else None, fmt)
        sink = BatchOutput.to(  # checks -o before any work
            output,
            kind,
            to_row=lambda result: answer_record(result, reasoning=show_reasoning),
            format_rows=lambda rows: format_rows(rows, kind, fields=["question", "answer"]),
        )
    run, pages_bar = prepare_run(
        inputs, err, user=ask_user_text(question), think=think,
        planning=planning, documents=documents, drawing=drawing, engines=engines, batch=batch,
    )  # fmt: skip
    cfg, eng, sources = run.planning, run.engine, run.sources
    own: dict[str, Any] = {"question": question, "max_requests": max_requests}
    options = AskOptions(**own, **run.document_options)
    results: list[DocumentResult] = []
    if sink is not None:
        # what changes an answer: a re-run with other options must not reuse the old ones
        sink.resume(
            sources.files,
            force=batch.force,
            journal=lambda path: run.journal(path, task="ask", **options.resume_fields()),
        )

    def show(outcome: Outcome) -> None:
        result = outcome.result
        if sink is not None:
            sink.collect(outcome)
        elif as_json:
            results.append(result)
        elif result.status != "failed":
            _print_answer(out, result, several=len(sources.files) > 1, show_reasoning=show_reasoning)

    try:
        code = run_and_report(
            sources.files,
            named(sources, lambda path: ask_document(path, options, engine=eng, planning=cfg), "ask"),
            concurrency=engines.concurrency if eng.capabilities.parallel_requests else 1,
            flags=BatchFlags(
                report=batch.report, fail_fast=batch.fail_fast, max_failures=batch.max_failures, quiet=batch.quiet
            ),
            err=err,
            pages=pages_bar,
            journal=sink.journal if sink else None,
            done=sink.done if sink else None,
            on_outcome=show,
            runner=runner_for(
                run,
                "ask",
                user=ask_user_text(question),
                think=think,
                own=own,
                shards=(shards.target, shards.rows) if shards is not None else None,
            ),
        )
    finally:
        run.close()
    if sink is not None:
        sink.finish(sources.files, err)
    if as_json:
        payload = [r.model_dump(mode="json") for r in results]
        if not show_reasoning:  # the trace is kept out of results unless asked for
            for item in payload:
                item["reasoning"] = None
        # One file named on the command line gives one object; folders, globs, several files or
        # --attachments a list, whatever they turn out to hold, so a script's parsing does not depend on
        # a folder's contents or on whether a PDF has attachments.
        single = len(inputs) == 1 and Path(inputs[0]).is_file() and not documents.attachments
        sys.stdout.write(json.dumps(payload[0] if single and payload else payload, indent=2, ensure_ascii=False) + "\n")
    raise typer.Exit(code)


def _print_answer(out, result: DocumentResult, *, several: bool, show_reasoning: bool) -> None:
    if several:
        out.print(f"[bold]{escape(result.path)}[/]")
    if show_reasoning and result.reasoning:
        out.print(f"[dim]{escape(result.reasoning)}[/]\n")
    out.print(escape(result.answer or ""))
    out.print(f"Pages: {', '.join(map(str, result.pages)) if result.pages else 'none'}")
    if several:
        out.print()
