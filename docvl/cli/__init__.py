"""The `docvl` command. Each sub-command lives in its own module; this one wires them and maps errors to
exit codes (docs/design.md §3)."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from docvl import __version__
from docvl.cli.ask_cmd import HELP as ASK_HELP
from docvl.cli.ask_cmd import ask_command
from docvl.cli.console import error_line, stderr
from docvl.cli.eval_cmd import app as eval_app
from docvl.cli.extract_cmd import HELP as EXTRACT_HELP
from docvl.cli.extract_cmd import extract_command
from docvl.cli.plan_cmd import HELP as PLAN_HELP
from docvl.cli.plan_cmd import plan_command
from docvl.cli.render_cmd import HELP as RENDER_HELP
from docvl.cli.render_cmd import render_command
from docvl.errors import EXIT_INTERRUPTED, DocvlError

app = typer.Typer(
    name="docvl",
    help="Ask questions of long documents and extract validated fields with a vision-language model "
    "(NVIDIA Nemotron Nano V2 VL).\n\nStart with [bold]docvl plan FILE[/] to see how a document fits the model's context.",
    rich_markup_mode="rich",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("ask", help=ASK_HELP, no_args_is_help=True)(ask_command)
app.command("extract", help=EXTRACT_HELP, no_args_is_help=True)(extract_command)
app.command("plan", help=PLAN_HELP, no_args_is_help=True)(plan_command)
app.command("render", help=RENDER_HELP, no_args_is_help=True)(render_command)
app.add_typer(eval_app, name="eval")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"docvl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass


def main() -> None:
    try:
        # Typer (standalone) handles its own usage errors (exit 2), --help and typer.Exit codes.
        app()
    except DocvlError as exc:  # usage and engine errors end the run; input errors are handled per document
        error_line(stderr(), exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        stderr().print("interrupted")
        sys.stdout.flush()
        # Not sys.exit: that would wait for requests still in flight on worker threads to finish.
        # Output files are written whole or not at all, so nothing is left half-written.
        os._exit(EXIT_INTERRUPTED)
