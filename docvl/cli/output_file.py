"""`-o FILE` for a batch command: rows in input order, written whole at the end, and a journal beside the
file that lets a killed run pick up where it stopped (shared by `ask` and `extract`)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import typer
from rich.console import Console
from rich.markup import escape

from docvl.batch import Journal, Outcome, journal_path
from docvl.errors import EXIT_DOCUMENT_FAILED, UsageError
from docvl.results import DocumentResult
from docvl.shards import SHARD_ROWS, Rows, ShardTarget
from docvl.storage import is_url, output_cache, upload
from docvl.write import append_line, check_writable, jsonl_line, write_atomic

Row = dict[str, Any]


class RowStore:
    """A batch's rows, kept in a temporary file (an index of offsets in memory) until the output is written
    in input order: the driver's memory does not grow with the documents (a few bytes each, not the row)."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._index: dict[Path, tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, path: object) -> bool:
        return path in self._index

    def add(self, path: Path, row: Row) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="docvl-rows-")  # noqa: SIM115  # closed by close()
        data = jsonl_line(row).encode("utf-8")
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        self._index[path] = (offset, len(data))

    def _line(self, path: Path) -> str:
        assert self._file is not None
        offset, size = self._index[path]
        self._file.seek(offset)
        return self._file.read(size).decode("utf-8")

    def lines(self, files: list[Path]) -> Iterator[str]:
        """The rows of ``files`` that have one, as JSONL lines, in that order."""
        for path in files:
            if path in self._index:
                yield self._line(path)

    def ordered(self, files: list[Path]) -> Iterator[Row]:
        for line in self.lines(files):
            yield json.loads(line)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


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
    rows: RowStore = field(default_factory=lambda: RowStore())  # on disk until the file is written
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
            row = self.to_row(outcome.result)
            if self.path is None and self.kind == "jsonl":
                sys.stdout.write(jsonl_line(row))
                sys.stdout.flush()
            self.rows.add(outcome.path, row)

    def finish(self, files: list[Path], err: Console) -> None:
        """Write the rows in input order (replacing lines appended as documents finished), then the
        one-line count."""
        output = self.path
        # JSONL streams from the store, line by line: a run of millions of documents never holds them all
        text: str | Iterator[str] = (
            self.rows.lines(files) if self.kind == "jsonl" else self.format_rows(list(self.rows.ordered(files)))
        )
        if output is None:
            if self.kind != "jsonl":
                sys.stdout.write(str(text))  # raw: a console would rewrap lines and expand tabs inside CSV cells
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
        self.rows.close()
        err.print(self._count() + where)

    def _count(self) -> str:
        c = self.counts
        return f"{sum(c.values())} document(s): {c['ok']} ok, {c['partial']} partial, {c['failed']} failed"


@dataclass
class ShardOutput:
    """`--output-dir`: records as shard files (docvl.shards) with BatchOutput's interface. Under the local
    runner this writes a shard per SHARD_ROWS inputs and journals their documents only once their shard is
    written, so a kill never leaves a journaled document out of every shard; under Ray (``ray``) the actors
    write the shards of their batches, before the driver journals what they return."""

    target: ShardTarget
    rows: Rows
    ray: bool = False
    done: dict[Path, DocumentResult] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(("ok", "partial", "failed"), 0))
    shards: int = 0

    def __post_init__(self) -> None:
        self.target.check()
        self._journal: Journal | None = None
        self._buffer: list[tuple[int, Outcome]] = []
        self._position: dict[Path, int] = {}

    @property
    def journal(self) -> Journal | None:
        """What the runner journals into: Ray's driver does, after the actors wrote the shards; the local
        runner does not (flush does, after the shard)."""
        return self._journal if self.ray else None

    def resume(self, files: list[Path], *, force: bool, journal: Callable[[Path], Journal]) -> None:
        where = self.target.where
        folder = output_cache(where.rstrip("/") + "/shards").parent if is_url(where) else Path(where)
        self._journal = journal(folder / ".docvl-journal")
        if force:
            self._journal.reset()
        self.done = self._journal.finished(files)
        self._position = {path: i for i, path in enumerate(files)}

    def collect(self, outcome: Outcome) -> None:
        self.counts[outcome.result.status] += 1
        if self.ray or outcome.reused or outcome.result.status == "failed":
            return  # written by an actor, or in an earlier run's shard; failures are reported, not written
        self._buffer.append((self._position[outcome.path], outcome))
        if len(self._buffer) >= SHARD_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        assert self._journal is not None
        keyed = [(o, self._journal.key_of(o.path)) for _, o in self._buffer]
        self.target.write(self._buffer[0][0], self._buffer[-1][0], [self.rows(o.result, key) for o, key in keyed])
        for outcome, key in keyed:
            if key is not None:
                self._journal.append(key, outcome.result)
        self.shards += 1
        self._buffer.clear()

    def finish(self, files: list[Path], err: Console) -> None:
        try:
            self._flush()
        except OSError as exc:
            err.print(f"[bold red]error[/]: cannot write a shard to {escape(self.target.where)}: {escape(str(exc))}")
            raise typer.Exit(EXIT_DOCUMENT_FAILED) from exc
        c = self.counts
        count = f"{sum(c.values())} document(s): {c['ok']} ok, {c['partial']} partial, {c['failed']} failed"
        how = "shards written by the Ray workers" if self.ray else f"{self.shards} new shard(s)"
        err.print(f"{count} -> {self.target.where} ({how})")


def shard_output(
    output_dir: str | None, output: str | None, fmt: str | None, rows: Rows, runner: str
) -> ShardOutput | None:
    """The sink for --output-dir, checked before any work; None without it."""
    if output_dir is None:
        return None
    if output is not None:
        raise UsageError("-o writes one file, --output-dir shards", fix="pass one of them")
    return ShardOutput(ShardTarget(output_dir, fmt or "jsonl"), rows, ray=runner == "ray")
