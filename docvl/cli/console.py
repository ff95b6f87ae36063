"""Where output goes: results on stdout, one plain line per problem on stderr.

Rich drops colour by itself without a TTY or with NO_COLOR set; soft wrapping keeps each message on
one line so CI logs can be grepped.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

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
