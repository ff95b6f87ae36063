"""Where output goes: results on stdout, one plain line per problem on stderr.

Rich drops colour by itself without a TTY or with NO_COLOR set; soft wrapping keeps each message on
one line so CI logs can be grepped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from docvl.errors import DocvlError
from docvl.load.document import DocumentWarning


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def error_line(console: Console, error: DocvlError) -> None:
    console.print(f"[bold red]error[/]: {escape(str(error))}")


def warning_line(console: Console, path: object, warning: DocumentWarning | str) -> None:
    text = warning.message if isinstance(warning, DocumentWarning) else warning
    console.print(f"[yellow]warning[/]: {escape(str(path))}: {escape(text)}")


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
