"""Where a task's document comes from: a local path as it is, or an input at a URL fetched for it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from docvl.errors import DocvlError
from docvl.results import DocumentResult, ErrorItem
from docvl.storage import RemoteFile, fetch


def fetching(
    remote: dict[Path, RemoteFile], task: Callable[[Path], DocumentResult], kind: str
) -> Callable[[Path], DocumentResult]:
    """``task`` (of ``kind``, "ask" / "extract") for inputs that may be at URLs: a remote one is fetched to
    its local path (in a temporary folder of the run) first and removed after, so a batch holds one file
    per document in flight; its result is named by its URL. One that cannot be fetched is a failed result
    saying why, as any unreadable input is."""
    if not remote:
        return task

    def run(path: Path) -> DocumentResult:
        found = remote.get(path)
        if found is None:
            return task(path)
        try:
            try:
                fetch(found.url, path)
            except DocvlError as exc:  # this input is unreadable (a run-ending error from the task is not caught)
                error = ErrorItem(code=exc.code, message=exc.message, fix=exc.fix)
                return DocumentResult(path=found.url, task=kind, status="failed", errors=[error])  # type: ignore[arg-type]
            result = task(path)
        finally:
            path.unlink(missing_ok=True)
        result.path = found.url
        return result

    return run
