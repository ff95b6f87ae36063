"""`docvl eval qa|extract DATASET`: accuracy, page evidence and confidence against labelled data, with a
regression gate for CI."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from docvl.cli import options as opt
from docvl.cli.console import stderr, stdout
from docvl.cli.run import docvl_command, prepare_run
from docvl.errors import EXIT_DOCUMENT_FAILED, UsageError
from docvl.evaluate.datasets import load_extract, load_qa
from docvl.evaluate.html import render
from docvl.evaluate.metrics import Report, regressions, score_extract, score_qa
from docvl.evaluate.predict import predict_extract, predict_qa
from docvl.evaluate.scoring import FLOAT_TOLERANCE
from docvl.schema import load_schema
from docvl.tasks.ask import DEFAULT_MAX_REQUESTS, ask_user_text
from docvl.tasks.extract import extract_user_text
from docvl.write import jsonl_line, write_atomic

HELP = """Measure docvl on your own labelled documents: accuracy, the pages answers rest on, confidence.

[bold]Datasets[/]: docvl's own (a folder of NAME.pdf + NAME.qa.json, or NAME.pdf + NAME.json golden records for
extract), a CSV or JSONL of file,question,answer[,pages], DocVQA / MP-DocVQA JSON, MMLongBench-Doc JSON.

[bold]Examples[/]
  docvl eval qa tests/corpus/longdoc                       text engine (no server set)
  docvl eval qa qa.csv --server http://localhost:8000/v1 -o preds.jsonl --json eval.json
  docvl eval extract invoices/ --schema schemas/invoice.json --pred out.jsonl    score an extract -o file
  docvl eval qa qa.csv --pred answers.jsonl --compare baseline.json --max-drop 0.02    CI gate: exit 1 on a drop
"""

app = typer.Typer(help=HELP, rich_markup_mode="rich", no_args_is_help=True)

Dataset = Annotated[
    Path, typer.Argument(help="The labelled dataset: a folder or a .json/.jsonl/.csv file.", show_default=False)
]
Pred = Annotated[
    Path | None,
    typer.Option(
        "--pred",
        help="Score this `ask -o` / `extract -o` output (.jsonl, .json or .csv) instead of running.",
        show_default=False,
    ),
]
PredOut = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Keep the predictions as JSONL (resumable: a re-run does only what is missing).",
        show_default=False,
    ),
]
HtmlOut = Annotated[
    Path | None,
    typer.Option(
        "--html",
        help="Write one self-contained page with the figures, tables and plots, to open in a browser.",
        show_default=False,
    ),
]
JsonOut = Annotated[
    Path | None,
    typer.Option("--json", help="Write every item and its score, and the figures, as JSON.", show_default=False),
]
Compare = Annotated[
    Path | None,
    typer.Option(
        "--compare",
        help="A baseline (an earlier --json): exit 1 when a headline figure drops more than --max-drop.",
        show_default=False,
    ),
]
MaxDrop = Annotated[float, typer.Option("--max-drop", min=0.0, max=1.0, help="The drop --compare allows.")]
Tolerance = Annotated[float, typer.Option("--tolerance", min=0.0, help="Relative tolerance for non-integer numbers.")]


@app.command("qa", help="Score answers (docvl ask) against a QA dataset.", no_args_is_help=True)
@docvl_command("eval qa")
@opt.grouped(**opt.TASK_GROUPS)
def eval_qa(
    dataset: Dataset,
    pred: Pred = None,
    output: PredOut = None,
    json_out: JsonOut = None,
    html_out: HtmlOut = None,
    compare: Compare = None,
    max_drop: MaxDrop = 0.02,
    tolerance: Tolerance = FLOAT_TOLERANCE,
    think: opt.Think = False,
    max_requests: opt.MaxRequests = DEFAULT_MAX_REQUESTS,
    *,
    planning: opt.PlanningOptions,
    documents: opt.Documents,
    drawing: opt.Drawing,
    engines: opt.EngineChoice,
    batch: opt.Batch,
) -> None:
    err = stderr()
    name, items = load_qa(dataset)
    if pred is not None:
        rows = read_predictions(pred)
        failed = 0
    else:
        longest = max((i.question for i in items), key=len, default="")
        run, _ = prepare_run(
            [str(items[0].file)] if items else [], err, user=ask_user_text(longest), think=think,
            planning=planning, documents=documents, drawing=drawing, engines=engines, batch=batch,
        )  # fmt: skip
        try:
            rows = predict_qa(items, run, max_requests=max_requests, journal=_journal(output), force=batch.force)
        finally:
            run.close()
        failed = _keep(rows, output)
    report = score_qa(items, rows, f"{dataset} ({name})", tolerance=tolerance)
    _finish(report, json_out, html_out, compare, max_drop, failed)


@app.command("extract", help="Score records (docvl extract) against golden records.", no_args_is_help=True)
@docvl_command("eval extract")
@opt.grouped(**opt.TASK_GROUPS)
def eval_extract(
    dataset: Dataset,
    schema: Annotated[
        str, typer.Option("--schema", "-s", help="The JSON Schema (or module:Class) the records follow.")
    ],
    pred: Pred = None,
    output: PredOut = None,
    json_out: JsonOut = None,
    html_out: HtmlOut = None,
    compare: Compare = None,
    max_drop: MaxDrop = 0.02,
    tolerance: Tolerance = FLOAT_TOLERANCE,
    think: opt.Think = False,
    retries: Annotated[
        int, typer.Option("--retries", min=0, max=10, help="Re-asks when a reply does not validate.")
    ] = 2,
    confidence: Annotated[
        bool, typer.Option("--confidence", help="Each value's confidence (calibration tables).")
    ] = False,
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
    items = load_extract(dataset)
    if pred is not None:
        rows = read_predictions(pred)
        failed = 0
    else:
        run, _ = prepare_run(
            [str(items[0].file)], err, user=extract_user_text(the_schema), think=think,
            planning=planning, documents=documents, drawing=drawing, engines=engines, batch=batch, structured=structured,
        )  # fmt: skip
        own = {"retries": retries, "confidence": confidence}
        try:
            rows = predict_extract(
                items,
                run,
                schema=the_schema,
                own=own,
                journal=_journal(output),
                force=batch.force,
                structured=structured,
            )
        finally:
            run.close()
        failed = _keep(rows, output)
    report = score_extract(items, rows, str(dataset), the_schema, tolerance=tolerance)
    _finish(report, json_out, html_out, compare, max_drop, failed)


# -- predictions ------------------------------------------------------------------------------------------


def read_predictions(path: Path) -> list[dict[str, Any]]:
    """Rows of an `ask -o` / `extract -o` output: JSONL, a JSON list, or CSV."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"--pred {path}: cannot be read ({exc})", fix="give the file ask -o / extract -o wrote"
        ) from None
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return list(csv.DictReader(text.splitlines()))
        if suffix == ".json":
            data = json.loads(text)
            return data if isinstance(data, list) else [data]
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise UsageError(
            f"--pred {path}: not valid {suffix or 'JSONL'} ({exc})", fix="give the file ask -o / extract -o wrote"
        ) from None


def _journal(output: Path | None) -> Path | None:
    return output.with_name(f".{output.name}.docvl-journal") if output is not None else None


def _keep(rows: list[dict[str, Any]], output: Path | None) -> int:
    """Write the predictions (-o); the number of items whose run failed."""
    if output is not None:
        write_atomic(output, "".join(jsonl_line(r) for r in rows))
    return sum(1 for r in rows if r.get("_status") == "failed")


# -- output -----------------------------------------------------------------------------------------------


def _finish(
    report: Report, json_out: Path | None, html_out: Path | None, compare: Path | None, max_drop: float, failed: int
) -> None:
    out, err = stdout(), stderr()
    show(report, out)
    if json_out is not None:
        write_atomic(json_out, json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=str) + "\n")
    if html_out is not None:
        write_atomic(html_out, render(report))
    code = 0
    if failed:
        err.print(f"{failed} item(s) failed to run (counted as wrong); their errors are in the predictions")
        code = EXIT_DOCUMENT_FAILED
    if compare is not None:
        dropped = regressions(report, compare, max_drop)
        if dropped:
            err.print(f"[bold red]regression[/] against {compare} (more than {max_drop:g}): " + "; ".join(dropped))
            code = EXIT_DOCUMENT_FAILED
        else:
            err.print(f"no headline figure dropped more than {max_drop:g} against {compare}")
    raise typer.Exit(code)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}" if value == value else "—"
    return str(value)


def show(report: Report, console: Console) -> None:
    table = Table(title=f"docvl eval {report.task}: {report.dataset}", title_justify="left", show_edge=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in report.headline.items():
        table.add_row(name.replace("_", " "), _fmt(value))
    console.print(table)
    for title, groups in report.breakdowns.items():
        if not groups:
            continue
        columns = list(next(iter(groups.values())))
        t = Table(title=f"by {title}", title_justify="left", show_edge=False)
        t.add_column(title)
        for c in columns:
            t.add_column(c.replace("_", " "), justify="right")
        for group, figures in groups.items():
            t.add_row(group, *(_fmt(figures[c]) for c in columns))
        console.print(t)
    if report.calibration:
        cal = report.calibration
        t = Table(
            title=f"confidence: {cal['values']} values, ECE {cal['ece']:.3f}", title_justify="left", show_edge=False
        )
        for c in ("--min-confidence", "coverage", "accuracy"):
            t.add_column(c, justify="right")
        for row in cal["coverage"]:
            t.add_row(f"{row['min_confidence']:g}", f"{row['coverage']:.2f}", _fmt(row["accuracy"]))
        console.print(t)
