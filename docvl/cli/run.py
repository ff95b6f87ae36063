"""Running a task over many documents from the command line: engine set-up, one line per document,
progress on a terminal, the summary table, the --report file and the run's exit code."""

from __future__ import annotations

import functools
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from docvl import prepare
from docvl.batch import FailureLimit, Journal, Outcome, run_batch
from docvl.cli.console import error_line, library_output, line, stderr, warning_line
from docvl.engines import EngineOptions, open_engine
from docvl.errors import (
    EXIT_DOCUMENT_FAILED,
    EXIT_OK,
    LOADING,
    DocvlError,
    EngineUnavailable,
    InternalError,
    UsageError,
)
from docvl.load.document import DocumentWarning
from docvl.load.sources import Sources
from docvl.options import Batch, Documents, Drawing, EngineChoice, PlanningOptions
from docvl.prepare import Prepared
from docvl.results import DocumentResult
from docvl.tasks.inputs import fetching
from docvl.tasks.pipeline import collecting_warnings, internal_error
from docvl.write import write_atomic

PREFETCH = 2

P = ParamSpec("P")
R = TypeVar("R")


def docvl_command(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """What every command runs inside: library warnings and logs kept off stderr (console.library_output),
    and an exception docvl did not anticipate outside any document said as an internal error (exit 1),
    with its traceback only under --debug. Problems with one document are handled per document."""

    def wrap(command: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(command)  # typer reads the options from the wrapped signature
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            debug = bool(kwargs.get("debug", False))
            with library_output(debug=debug):
                try:
                    return command(*args, **kwargs)
                except (DocvlError, typer.Exit, typer.Abort, typer.exceptions.TyperException):
                    raise  # said by the entry point (docvl.cli.main) or by typer, with their exit codes
                except Exception as exc:
                    if debug:
                        sys.stderr.write("".join(traceback.format_exception(exc)))
                    error_line(stderr(), InternalError.wrap(exc, f"running docvl {name}"))
                    raise typer.Exit(EXIT_DOCUMENT_FAILED) from None

        return run

    return wrap


def start_engine(name: str, options: EngineOptions, err: Console, *, quiet: bool = False):
    """Open the engine; loading an in-process model takes a minute, so a terminal shows a spinner meanwhile
    (where bars would show) and the engine line says how long it took."""
    start = time.perf_counter()
    spinner = err.status("starting the engine (loading a model can take a minute)...", spinner="dots")
    with spinner if animated(err, enabled=not quiet) else nullcontext():
        engine, why = open_engine(name, options)
    took = time.perf_counter() - start
    err.print(f"engine: {engine.describe()} — {why}" + (f" (started in {took:.0f} s)" if took >= 2 else ""))
    return engine


@dataclass
class DocumentStep:
    """One document of `docvl plan` or `docvl render`, which run no task: what it is doing now (set by the
    command as it goes, for an internal error's words), and how it ended."""

    path: Path
    stage: str = LOADING
    error: DocvlError | None = None  # set when the document failed
    warnings: list[DocumentWarning] = field(default_factory=list)  # library warnings raised meanwhile


@contextmanager
def one_document(path: Path, *, debug: bool = False, name: str | None = None) -> Iterator[DocumentStep]:
    """The rules of tasks.pipeline.TaskRun.guarded for a command's own loop: a problem with the document
    ends the block and is kept in ``step.error`` (an unanticipated exception as an InternalError); a
    usage error, found only now, ends the run (exit 2) naming the file. ``name``: how the file is shown,
    when not as ``path`` (an attachment saved to a temporary folder)."""
    step = DocumentStep(path)
    shown = name or str(path)
    caught = None
    try:
        with collecting_warnings() as caught:
            yield step
    except UsageError as exc:
        if exc.path is None or exc.path == str(path):
            exc.path = shown
        raise
    except EngineUnavailable:
        raise
    except DocvlError as exc:
        if exc.path == str(path):
            exc.path = shown
        step.error = exc
    except Exception as exc:
        step.error = internal_error(exc, step.stage, shown, debug=debug)
    finally:
        if caught is not None:
            step.warnings = caught.warnings()


@dataclass(frozen=True)
class BatchFlags:
    """The batch options a user sets (cli/options.py)."""

    report: Path | None = None
    fail_fast: bool = False
    max_failures: int | None = None
    quiet: bool = False

    @property
    def failure_limit(self) -> int | None:
        return 1 if self.fail_fast else self.max_failures


@dataclass
class Summary:
    """Totals per status, for the table at the end of a run."""

    rows: dict[str, list[float]] = field(default_factory=dict)  # status -> [documents, pages, prompt, completion, s]
    reused: int = 0
    servers: dict[str, list[int]] = field(default_factory=dict)  # url -> [requests answered, documents]

    def add(self, outcome: Outcome) -> None:
        r = outcome.result
        if not outcome.reused:
            answered = [q.server for q in r.requests if q.server]
            for url in answered:
                self.servers.setdefault(url, [0, 0])[0] += 1
            for url in set(answered):
                self.servers[url][1] += 1
        # documents taken from the journal get a row of their own: their time and tokens were spent before
        row = self.rows.setdefault("done before" if outcome.reused else r.status, [0, 0, 0, 0, 0.0])
        pages = r.pages_sent
        for i, value in enumerate((1, pages, r.usage.prompt_tokens, r.usage.completion_tokens, r.timings.total_s)):
            row[i] += value
        self.reused += outcome.reused

    @property
    def documents(self) -> int:
        return int(sum(row[0] for row in self.rows.values()))

    @property
    def failed(self) -> int:
        return int(self.rows.get("failed", [0])[0])

    def table(self) -> Table:
        table = Table(title="docvl run", title_justify="left", show_edge=False, pad_edge=False)
        for name in ("Status", "Documents", "Pages", "Prompt tokens", "Output tokens", "Time (s)"):
            table.add_column(name, justify="left" if name == "Status" else "right")
        for status in ("ok", "partial", "failed", "done before"):
            if status in self.rows:
                docs, pages, prompt, completion, seconds = self.rows[status]
                table.add_row(
                    status, f"{docs:,.0f}", f"{pages:,.0f}", f"{prompt:,.0f}", f"{completion:,.0f}", f"{seconds:,.1f}"
                )
        return table


def run_and_report(
    files: list[Path],
    task: Callable[[Path], DocumentResult],
    *,
    concurrency: int,
    flags: BatchFlags,
    err: Console,
    journal: Journal | None = None,
    done: dict[Path, DocumentResult] | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
    pages: PageTicker | None = None,
    runner: Callable[..., Iterator[Outcome]] = run_batch,
) -> int:
    """Run ``task`` over ``files``; say one line per document on stderr, then the summary. Returns the
    exit code: 1 if any document failed or a failure limit stopped the run, else 0. ``runner``: run_batch
    (this process) or a docvl.ray_runner.RayRunner, which takes the same arguments."""
    summary = Summary()
    entries: list[dict] = []
    stopped: str | None = None
    with _progress(err, len(files), enabled=not flags.quiet, pages=pages) as (console, advance):
        try:
            stream = runner(
                files,
                task,
                concurrency=concurrency,
                journal=journal,
                done=done,
                max_failures=flags.failure_limit,
                # documents loaded and drawn ahead while --concurrency requests are in flight (engine_slots)
                prefetch=PREFETCH if concurrency > 1 else 0,
            )
            for outcome in stream:
                log_result(console, outcome.result, reused=outcome.reused, announce_ok=len(files) > 1)
                summary.add(outcome)
                if flags.report is not None:
                    entries.append(_report_entry(outcome))
                if on_outcome is not None:
                    on_outcome(outcome)
                advance()
        except FailureLimit as exc:
            stopped = str(exc)
    if stopped:
        left = len(files) - summary.documents
        why = "--fail-fast" if flags.fail_fast else f"--max-failures {flags.max_failures}"
        err.print(f"[bold red]stopped[/]: {stopped} ({why}); {left} document(s) not run")
    if len(files) > 1:
        err.print(summary.table())
    if len(summary.servers) > 1:
        spread = ", ".join(f"{url} {n:,} ({docs:,} documents)" for url, (n, docs) in summary.servers.items())
        err.print(f"requests per server: {escape(spread)}")
    if summary.reused:
        err.print(
            f"{summary.reused} document(s) finished by an earlier run were taken from its journal (--force redoes them)"
        )
    if flags.report is not None:
        payload = {
            "documents": entries,
            "not_run": [str(p) for p in files[summary.documents :]],
            # requests each server answered in this run, and the documents it answered any of
            "servers": {url: {"requests": n, "documents": docs} for url, (n, docs) in summary.servers.items()},
        }
        write_atomic(flags.report, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return EXIT_DOCUMENT_FAILED if summary.failed or stopped else EXIT_OK


def _report_entry(outcome: Outcome) -> dict:
    r = outcome.result
    entry = r.model_dump(
        mode="json", include={"path", "status", "errors", "warnings", "plan", "usage", "requests", "timings"}
    )
    entry["reused"] = outcome.reused
    return entry


class _Rate(ProgressColumn):
    def render(self, task) -> Text:
        return Text(f"{task.speed:.2f}/s" if task.speed else "")


class PageTicker:
    """Handed to the tasks (DocumentOptions.on_pages) before the bars exist; counts drawn pages on the
    pages bar once there is one. Rich's progress is thread-safe, and documents run on threads."""

    def __init__(self) -> None:
        self.target: Callable[[int], None] | None = None

    def __call__(self, pages: int) -> None:
        if self.target is not None:
            self.target(pages)


def animated(err: Console, *, enabled: bool) -> bool:
    """Bars and spinners only on a terminal, not in CI logs, not with NO_COLOR or --quiet."""
    return enabled and err.is_terminal and not any(os.environ.get(name) for name in ("NO_COLOR", "CI"))


@contextmanager
def _progress(
    err: Console, total: int, *, enabled: bool, pages: PageTicker | None = None
) -> Iterator[tuple[Console, Callable[[], None]]]:
    """Documents and pages bars with rate (and ETA for documents) on a terminal; nothing in CI, with
    NO_COLOR, when stderr is piped or with --quiet. Lines printed through the returned console appear
    above the bars."""
    if not (animated(err, enabled=enabled) and total > 1):
        yield err, lambda: None
        return
    columns = (
        TextColumn("{task.description:>9}"),
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("documents", total=total)
        if pages is not None:
            page_task = progress.add_task("pages", total=None)
            pages.target = lambda n: progress.advance(page_task, n)
        try:
            yield progress.console, lambda: progress.advance(task)
        finally:
            if pages is not None:
                pages.target = None


def log_result(err: Console, result: DocumentResult, *, reused: bool = False, announce_ok: bool = True) -> None:
    """One plain line per document (and one per problem), naming the file: what CI logs need. A lone
    document that went well needs no line: its answer or output says so."""
    for warning in [] if reused else result.warnings:
        warning_line(err, result.path, warning)
    if result.status == "failed":
        for e in result.errors:
            fix = f" — {e.fix}" if e.fix else ""
            line(err, "error", "bold red", f"{result.path}: {e.message}{fix}")
        return
    pages = result.pages_sent
    facts = (
        f"{pages} page{'s' if pages != 1 else ''}, {result.usage.total_tokens:,} tokens, {result.timings.total_s:.1f} s"
    )
    if reused:
        facts = "finished by an earlier run"
    if result.status == "partial":
        problems = "; ".join(e.message for e in result.errors[:3])
        line(err, "partial", "yellow", f"{result.path} ({facts}): {problems}")
    elif announce_ok:
        line(err, "ok", "green", f"{result.path} ({facts})")


def find_inputs(inputs: list[str], err: Console, *, attachments: bool = False, password: str | None = None) -> Sources:
    """prepare.find_inputs, saying on stderr what folders held besides documents and which attachments
    could not be read."""
    return prepare.find_inputs(inputs, attachments=attachments, password=password, **_said_on(err))


def _said_on(err: Console) -> dict[str, Any]:
    """prepare's ``note`` and ``warn``, as lines on stderr."""
    return {
        "note": lambda text: err.print(f"note: {escape(text)}"),
        "warn": lambda path, warning: warning_line(err, path, warning),
    }


def named(sources: Sources, task: Callable[[Path], DocumentResult], kind: str) -> Callable[[Path], DocumentResult]:
    """``task`` (``kind``: "ask" / "extract") with its result named as the user knows the file (an
    attachment: outer.pdf#invoice.pdf; an input at a URL, fetched for it: the URL)."""
    task = fetching(sources.remote, task, kind)
    if not sources.names:
        return task

    def run(path: Path) -> DocumentResult:
        result = task(path)
        result.path = sources.display(path)
        return result

    return run


def prepare_run(
    inputs: list[str],
    err: Console,
    *,
    user: str,
    think: bool,
    planning: PlanningOptions,
    documents: Documents,
    drawing: Drawing,
    engines: EngineChoice,
    batch: Batch,
    **engine_extra: Any,
) -> tuple[Prepared, PageTicker]:
    """prepare.prepare for a command: notes on stderr, a spinner while the engine starts, and the pages
    bar the tasks tick (shown once the bars exist)."""
    pages_bar = PageTicker()
    run = prepare.prepare(
        inputs,
        user=user,
        think=think,
        planning=planning,
        documents=documents,
        drawing=drawing,
        engines=engines,
        batch=batch,
        start=lambda choice: start_engine(choice.engine, choice.engine_options(**engine_extra), err, quiet=batch.quiet),
        on_pages=pages_bar,
        **_said_on(err),
    )
    return run, pages_bar
