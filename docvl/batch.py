"""Running a task over many documents: a bounded number in flight, results in input order, a journal that
makes a killed run resumable, and limits on failures.

The journal is a JSON-lines file beside the output: one line per finished document (ok or partial),
written and fsynced the moment it finishes, keyed by the document's content hash and a hash of the
options that change results. A re-run of the same command reads it and skips those documents; a
document that failed is not journaled, so it is tried again. A line torn by a kill is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docvl import __version__
from docvl.results import DocumentResult

CHUNK = 1 << 20


def run_key(**options: Any) -> str:
    """A hash of everything that changes a document's result (task, schema, engine, model, planning)."""
    text = json.dumps({"docvl": __version__, **options}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def content_hash(path: Path) -> str | None:
    """sha256 of the file's bytes; None when it cannot be read (the task reports why)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def journal_path(output: Path) -> Path:
    return output.with_name(f".{output.name}.docvl-journal")


class Journal:
    """Finished documents of a run, appended as they finish; safe to call from worker threads."""

    def __init__(
        self,
        path: Path,
        run: str,
        *,
        on_append: Callable[[DocumentResult], None] | None = None,
        key_of: Callable[[Path], str | None] = content_hash,
        name_of: Callable[[Path], str] = str,
    ) -> None:
        self.path, self.run = path, run
        # what finds an input's entry: its content (the local runner: a renamed file still counts), or
        # what a listing says of it (the Ray runner: ray_runner.stamp)
        self.key_of = key_of
        self.name_of = name_of  # how a result names its input (an attachment's or a URL's name, not a temp file)
        self.on_append = on_append  # told of each result as it is journaled, under the lock
        self._lock = threading.Lock()

    def load(self) -> dict[str, DocumentResult]:
        """Content hash -> result of the documents this run (same options) finished before."""
        done: dict[str, DocumentResult] = {}
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return done
        for line in lines:
            try:
                entry = json.loads(line)
                if entry.get("run") == self.run:
                    done[entry["key"]] = DocumentResult.model_validate(entry["result"])
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by a kill, or from another version: that document is done again
        return done

    def finished(self, files: list[Path]) -> dict[Path, DocumentResult]:
        """The inputs this run finished before, found by content (a renamed or moved file still counts)."""
        done = self.load()
        if not done:
            return {}
        found = {path: done.get(self.key_of(path) or "") for path in files}
        # the result names the file as it is called now (a renamed file, or two copies of one file)
        return {
            path: result.model_copy(update={"path": self.name_of(path)}) for path, result in found.items() if result
        }

    def reset(self) -> None:
        self.path.unlink(missing_ok=True)

    def append(self, key: str, result: DocumentResult) -> None:
        line = json.dumps({"run": self.run, "key": key, "result": result.model_dump(mode="json")}, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            if self.on_append is not None:
                self.on_append(result)  # under the lock: output lines are appended whole, one at a time


@dataclass
class Outcome:
    path: Path
    result: DocumentResult
    reused: bool = False  # finished by an earlier run, taken from the journal


class FailureLimit(Exception):
    """--fail-fast / --max-failures reached: the documents not yet started are not run."""


def run_batch(
    files: list[Path],
    task: Callable[[Path], DocumentResult],
    *,
    concurrency: int,
    journal: Journal | None = None,
    done: dict[Path, DocumentResult] | None = None,
    max_failures: int | None = None,
    prefetch: int = 0,
) -> Iterator[Outcome]:
    """Outcomes in input order; ``done`` (Journal.finished) are handed on without being run, the others
    are journaled as they finish. ``concurrency`` + ``prefetch`` documents are worked on at once (the
    task itself limits its engine calls to ``concurrency``, so the extra ones load and draw pages while
    the others wait on the engine) and at most twice that many finished ones wait to be handed on, so
    memory does not grow with the number of documents. Raises FailureLimit after yielding the failure
    that reaches ``max_failures``."""
    done = done or {}

    def job(path: Path) -> Outcome:
        if path in done:
            return Outcome(path, done[path], reused=True)
        key = journal.key_of(path) if journal is not None else None
        result = task(path)
        if journal is not None and key is not None and result.status != "failed":
            journal.append(key, result)
        return Outcome(path, result)

    failures = 0
    workers = max(1, concurrency) + max(0, prefetch)
    pool = ThreadPoolExecutor(max_workers=workers)
    pending: deque[Future[Outcome]] = deque()
    queue = iter(files)
    try:
        while True:
            while len(pending) < workers * 2:
                path = next(queue, None)
                if path is None:
                    break
                pending.append(pool.submit(job, path))
            if not pending:
                return
            outcome = pending.popleft().result()
            yield outcome
            if outcome.result.status == "failed":
                failures += 1
                if max_failures is not None and failures >= max_failures:
                    raise FailureLimit(f"{failures} document(s) failed")
    finally:
        # on a failure limit, Ctrl-C or a run-ending error, queued documents are cancelled, not waited for
        pool.shutdown(wait=False, cancel_futures=True)
