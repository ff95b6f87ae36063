"""`-o FILE` for a batch command: rows in input order, written whole at the end, and a journal beside the
file that lets a killed run pick up where it stopped (shared by `ask` and `extract`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from docvl.batch import Journal, Outcome, journal_path
from docvl.errors import EXIT_DOCUMENT_FAILED, UsageError
from docvl.results import DocumentResult
from docvl.storage import is_url, output_cache, upload
from docvl.write import append_line, check_writable, jsonl_line, write_atomic

Row = dict[str, Any]


@dataclass
class BatchOutput:
    """Where a batch's rows go: ``path`` (or stdout when None) in the format ``kind``.

    ``to_row`` turns a result into its row; ``format_rows`` turns the rows into the file's text. With a path,
    each finished document is journaled (JSONL also gets its line at once), a re-run with the same
    options skips what the journal holds, and the file is rewritten whole in input order at the end."""

    path: Path | None
    kind: str
    to_row: Callable[[DocumentResult], Row]
    format_rows: Callable[[list[Row]], str]
    rows: dict[Path, Row] = field(default_factory=dict)  # rows only, not results: memory stays small
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("ok", "partial", "failed"), 0))
    journal: Journal | None = None
    done: dict[Path, DocumentResult] = field(default_factory=dict)
    upload: str | None = None  # -o at a storage URL: ``path`` is its local copy, uploaded by finish

    @classmethod
    def to(cls, output: str | None, kind: str, **how: Any) -> BatchOutput:
        """The output ``-o`` names: a local file, a storage URL (written in docvl's cache folder beside
        its journal, so a re-run here resumes, and uploaded whole at the end), or None for stdout."""
        if output is not None and is_url(output):
            return cls(output_cache(output), kind, upload=output, **how)
        return cls(Path(output) if output is not None else None, kind, **how)

    def __post_init__(self) -> None:
        if self.path is not None:
            check_writable(self.path)
        self._existed = self.path is not None and self.path.exists()
        self._started = False
        self._files: list[Path] = []

    def resume(self, files: list[Path], *, force: bool, journal: Callable[[Path], Journal]) -> None:
        """Open the run's journal beside the output (``journal``: the run's, at a path: Prepared.journal)
        and take what an earlier run with the same options finished."""
        if self.path is None:
            return
        output = self.path
        if any(output.resolve() == f.resolve() for f in files):
            raise UsageError(f"-o {output} is one of the input documents", fix="write the results to another file")
        self.journal = journal(journal_path(output))
        if self.kind == "jsonl":
            self.journal.on_append = self._append
        if force:
            self.journal.reset()
        self.done = self.journal.finished(files)
        if not self.done:
            self.journal.reset()  # nothing in it for these inputs and options: start it afresh
        self._files = files

    def _append(self, result: DocumentResult) -> None:
        """JSONL gets each record the moment it is journaled (under the journal's lock); the first one
        starts the file afresh with what earlier runs finished, so a run that finishes nothing leaves an
        existing file as it was."""
        assert self.path is not None
        if not self._started:
            done = "".join(jsonl_line(self.to_row(self.done[p])) for p in self._files if p in self.done)
            write_atomic(self.path, done)
            self._started = True
        append_line(self.path, jsonl_line(self.to_row(result)))

    def collect(self, outcome: Outcome) -> None:
        self.counts[outcome.result.status] += 1
        # Failed documents are reported, not written: a row of nulls would read as "not in the document".
        if outcome.result.status != "failed":
            self.rows[outcome.path] = self.to_row(outcome.result)
            if self.path is None and self.kind == "jsonl":
                sys.stdout.write(jsonl_line(self.rows[outcome.path]))
                sys.stdout.flush()

    def finish(self, files: list[Path], err: Console) -> None:
        """Write the rows in input order (replacing lines appended as documents finished), then the
        one-line count."""
        output = self.path
        text = self.format_rows([self.rows[p] for p in files if p in self.rows])
        if output is None:
            if self.kind != "jsonl":
                sys.stdout.write(text)  # raw: a console would rewrap lines and expand tabs inside CSV cells
        elif not self.rows:
            # every document failed: no file of no records, which a later step could take for a result,
            # and a file an earlier run wrote is left as it was
            if not self._existed:
                output.unlink(missing_ok=True)
            left = f"; {self.upload or output} left as it was" if self._existed or self.upload else ""
            err.print(f"{self._count()} (nothing written{left})")
            return
        else:
            try:
                write_atomic(output, text)
                if self.upload is not None:
                    upload(output, self.upload)
            except OSError as exc:
                where = self.upload or output
                err.print(
                    f"[bold red]error[/]: cannot write {escape(str(where))}: {escape(str(exc))} — check the path "
                    "(and for a URL the credentials), and free space; a re-run of the same command resumes"
                )
                raise typer.Exit(EXIT_DOCUMENT_FAILED) from exc
        shown = self.upload or output
        where = f" -> {shown}" if shown else (" (nothing written)" if not self.rows else "")
        err.print(self._count() + where)

    def _count(self) -> str:
        c = self.counts
        return f"{sum(c.values())} document(s): {c['ok']} ok, {c['partial']} partial, {c['failed']} failed"
