"""Running a task over many documents: engine set-up, concurrency, and the run's exit code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console

from docvl.engines import EngineOptions, open_engine
from docvl.errors import EXIT_DOCUMENT_FAILED, EXIT_OK
from docvl.results import DocumentResult


def start_engine(name: str, options: EngineOptions, err: Console):
    engine, why = open_engine(name, options)
    err.print(f"engine: {engine.describe()} — {why}")
    return engine


def run_documents(
    files: list[Path], task: Callable[[Path], DocumentResult], *, concurrency: int
) -> Iterator[DocumentResult]:
    """Results in input order; up to ``concurrency`` documents in flight (engine calls wait on I/O)."""
    if concurrency <= 1 or len(files) <= 1:
        for path in files:
            yield task(path)
        return
    pool = ThreadPoolExecutor(max_workers=concurrency)
    try:
        yield from pool.map(task, files)
    finally:
        # on Ctrl-C (or a run-ending error) queued documents are cancelled, not waited for
        pool.shutdown(wait=False, cancel_futures=True)


def exit_code(results: list[DocumentResult]) -> int:
    return EXIT_DOCUMENT_FAILED if any(r.status == "failed" for r in results) else EXIT_OK


def log_result(err: Console, result: DocumentResult) -> None:
    """One plain line per problem, naming the file: what CI logs need."""
    from rich.markup import escape

    for warning in result.warnings:
        err.print(f"[yellow]warning[/]: {escape(result.path)}: {escape(warning)}")
    if result.status == "failed":
        for e in result.errors:
            fix = f" — {e.fix}" if e.fix else ""
            err.print(f"[bold red]error[/]: {escape(f'{result.path}: {e.message}{fix}')}")
    elif result.status == "partial":
        err.print(
            f"[yellow]partial[/]: {escape(result.path)}: " + escape("; ".join(e.message for e in result.errors[:3]))
        )


def find_inputs(inputs: list[str], err: Console):
    """Files to process, with a note about what folders held besides documents. None at all is a usage
    error: a CI job pointed at an empty or wrong folder must not pass."""
    from rich.markup import escape

    from docvl.errors import UsageError
    from docvl.load import discover

    sources = discover(inputs)
    if sources.skipped:
        names = ", ".join(str(p) for p in sources.skipped[:5]) + (" ..." if len(sources.skipped) > 5 else "")
        err.print(
            f"note: skipped {len(sources.skipped)} entr{'y' if len(sources.skipped) == 1 else 'ies'} in folders "
            f"(not PDFs or images, unreadable, or symlinked folders): {escape(names)}"
        )
    if not sources.files:
        raise UsageError(
            f"no PDF or image files found in {', '.join(inputs)}",
            fix="check the path; folders are searched recursively for PDFs and images",
        )
    return sources
