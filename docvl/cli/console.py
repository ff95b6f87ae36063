"""Where output goes: results on stdout, one plain line per problem on stderr.

Rich drops colour by itself without a TTY or with NO_COLOR set; soft wrapping keeps each message on
one line so CI logs can be grepped. Nothing from a library reaches stderr on its own (library_output).
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from docvl.errors import DocvlError
from docvl.libtiff import route_messages
from docvl.load.document import DocumentWarning
from docvl.tasks.pipeline import LibraryWarnings, current_warnings


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def line(console: Console, label: str, style: str, text: str) -> None:
    """``label: text`` on one line, the label coloured on a terminal. Elsewhere (CI logs, pipes) it is
    written as it is: rich renders markup at about 1 ms a line, which a batch of thousands of documents
    says once per document on the thread that hands out the work."""
    if console.is_terminal:
        console.print(f"[{style}]{label}[/]: {escape(text)}")
    else:
        console.file.write(f"{label}: {text}\n")


def error_line(console: Console, error: DocvlError) -> None:
    line(console, "error", "bold red", str(error))


def warning_line(console: Console, path: object, warning: DocumentWarning | str) -> None:
    text = warning.message if isinstance(warning, DocumentWarning) else warning
    line(console, "warning", "yellow", f"{path}: {text}")


T = TypeVar("T")


def page_progress(console: Console, label: str, total: int) -> Callable[[Iterable[T]], Iterator[T]]:
    """A progress bar over pages on a terminal; nothing at all in CI or when output is piped."""

    def wrap(items: Iterable[T]) -> Iterator[T]:
        if not console.is_terminal:
            yield from items
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(escape(label), total=total)
            for item in items:
                yield item
                progress.advance(task)

    return wrap


class _WarningRouter:
    """The warnings.showwarning hook of a command run: each Python warning goes to the document being
    processed on the warning's thread (tasks.pipeline.collecting_warnings), to be said on that document's
    result; one raised outside any document becomes one docvl-style line on stderr (once per message),
    never Python's "path/to/site-packages/x.py:12: UserWarning: ..." with its source line."""

    def __init__(self) -> None:
        self._said: set[str] = set()

    def show(self, message, category, filename, lineno, file=None, line=None) -> None:
        collector = current_warnings()
        if collector is not None:
            collector.add(message, category)
            return
        alone = LibraryWarnings()
        alone.add(message, category)
        for warning in alone.warnings():
            if warning.message not in self._said:
                self._said.add(warning.message)
                sys.stderr.write(f"warning: {warning.message}\n")  # looked up now: tests swap sys.stderr


@contextmanager
def library_output(*, debug: bool = False) -> Iterator[None]:
    """Around one command: library warnings and log records stay off stderr.

    The one piece of process-wide state docvl sets: warnings.showwarning and the warnings filters are
    global to the process, so the hook is installed once for the run (not per document, which would race
    between documents on threads) and warnings.catch_warnings puts both back afterwards (the in-process
    CLI tests run many commands in one process). Warnings Python ignores by default (deprecations) stay
    ignored; every other warning is shown to the hook each time ("always"), not once per source line as
    by default, so that the second document with the same damaged image gets its warning too (each
    document's collector keeps a repeated one once). Library log records (httpx, transformers,
    sentence-transformers...) are dropped unless --debug: a NullHandler on the root logger stops Python's
    last-resort stderr handler, and transformers, which logs to its own handler, is told to say errors
    only, unless TRANSFORMERS_VERBOSITY says otherwise."""
    root = logging.getLogger()
    drop = logging.NullHandler()
    verbosity = os.environ.get("TRANSFORMERS_VERBOSITY")
    route_messages()  # libtiff's C messages too (docvl.libtiff); once per process, harmless to repeat
    with warnings.catch_warnings():
        warnings.simplefilter("always", append=True)
        warnings.showwarning = _WarningRouter().show
        if not debug:
            root.addHandler(drop)
            if verbosity is None:
                os.environ["TRANSFORMERS_VERBOSITY"] = "error"  # read when transformers is imported
        try:
            yield
        finally:
            root.removeHandler(drop)
            if verbosity is None:
                os.environ.pop("TRANSFORMERS_VERBOSITY", None)
