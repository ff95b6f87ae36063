"""Write stage: extraction records as JSON, JSONL or CSV. A file appears whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from docvl.errors import UsageError
from docvl.results import EXTRACTIVE_HEADER, DocumentResult

FORMATS = ("json", "jsonl", "csv")
CSV_LINES = ("explode", "json")


def output_format(path: Path | None, requested: str | None) -> str:
    if requested:
        if requested not in FORMATS:
            raise UsageError(f"--format {requested!r} is not a format", fix=f"choose one of: {', '.join(FORMATS)}")
        return requested
    if path is None:
        return "json"
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    raise UsageError(
        f"-o {path}: cannot tell the format from the extension", fix="use .json, .jsonl or .csv, or pass --format"
    )


def record(result: DocumentResult, fields: Iterable[str] = ()) -> dict[str, Any]:
    """One output row: the file, its status, every schema field (null when not found), and the sidecars.
    docvl's own columns start with "_" so no schema field can overwrite them."""
    row: dict[str, Any] = {"_file": result.path, "_status": result.status}
    row.update(dict.fromkeys(fields))
    row.update(result.data or {})
    row["_pages"] = result.field_pages
    row["_confidence"] = result.field_confidence
    row["_boxes"] = result.field_boxes
    row["_unlocated"] = result.unlocated
    row["_errors"] = [e.message for e in result.errors]
    if result.raw_reply is not None:
        row["_raw_reply"] = result.raw_reply
    return row


def answer_record(result: DocumentResult, *, reasoning: bool = False) -> dict[str, Any]:
    """One `ask` output row: the file, its status, the question, the answer and the pages it rests on."""
    answer = result.answer
    if result.extractive and answer and answer.startswith(EXTRACTIVE_HEADER):
        answer = answer.split("\n", 1)[-1]  # the _extractive column says it on every row
    row: dict[str, Any] = {"_file": result.path, "_status": result.status, "question": result.question,
                           "answer": answer, "_pages": result.pages, "_errors": [e.message for e in result.errors],
                           "_extractive": result.extractive, "_evidence": result.evidence}  # fmt: skip
    if reasoning:
        row["_reasoning"] = result.reasoning
    return row


def format_records(
    results: Iterable[DocumentResult], fmt: str, csv_lines: str = "explode", fields: Iterable[str] = ()
) -> str:
    fields = list(fields)
    return format_rows([record(r, fields) for r in results], fmt, csv_lines, fields)


def jsonl_line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n"


def append_line(path: Path, line: str) -> None:
    """One whole line at the end of ``path``, on disk before this returns (a kill leaves at most a torn
    last line, which the next run's rewrite from the journal replaces)."""
    with open(path, "a", encoding="utf-8", newline="") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def format_rows(rows: list[dict[str, Any]], fmt: str, csv_lines: str = "explode", fields: Iterable[str] = ()) -> str:
    fields = list(fields)
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if fmt == "jsonl":
        return "".join(jsonl_line(row) for row in rows)
    return _csv(rows, csv_lines, ["_file", "_status", *fields])


def _csv(rows: list[dict[str, Any]], csv_lines: str, leading: list[str]) -> str:
    import pandas as pd

    if csv_lines not in CSV_LINES:
        raise UsageError(f"--csv-lines {csv_lines!r}", fix=f"choose one of: {', '.join(CSV_LINES)}")
    flat_rows = []
    for row in rows:
        lists = [k for k, v in row.items() if isinstance(v, list) and not k.startswith("_") and v]
        # Explode one list (the longest) to a row per item; pairing items of unrelated lists by position
        # would invent rows, so any other list stays JSON in its cell.
        explode = max(lists, key=lambda k: len(row[k])) if lists and csv_lines == "explode" else None
        base = {k: v for k, v in row.items() if k != explode}
        base["_pages"] = json.dumps(row["_pages"], ensure_ascii=False)
        base["_errors"] = "; ".join(row["_errors"])
        # a column per value with its first box, page:x0,y0,x1,y1; the unlocated ones in one cell
        boxes = base.pop("_boxes", None) or {}
        for path, found in boxes.items():
            first = found[0]
            base[f"_box.{path}"] = f"{first['page']}:" + ",".join(f"{v:g}" for v in first["bbox"])
        if "_unlocated" in base:
            base["_unlocated"] = "; ".join(f"{k}: {v}" for k, v in (base["_unlocated"] or {}).items())
        if explode is None:
            flat_rows.append(_flatten(base))
            continue
        for item in row[explode]:
            out = dict(base)
            if isinstance(item, dict):
                out.update({f"{explode}.{k}": v for k, v in item.items()})
            else:
                out[explode] = item
            flat_rows.append(_flatten(out))
    # dtype=object keeps 1 as "1": inferred columns turn integers into floats as soon as a row lacks them
    frame = pd.DataFrame(flat_rows, dtype=object)
    columns = list(dict.fromkeys([*leading, *frame.columns]))
    return frame.reindex(columns=columns).to_csv(index=False)


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become a.b columns; lists left in a cell are JSON, booleans true/false as in JSON."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = value
    return out


def current_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_atomic(path: Path, text: str | bytes | Iterable[str]) -> None:
    """Write beside the target, flush to disk, then rename over it: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp makes the file 0600; the output gets the mode a plain open() would give it (or keeps the
    # mode of the file it replaces), so the rest of a CI job or a team can read it.
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~current_umask()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            if isinstance(text, bytes | str):
                fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            else:  # lines, written as they come
                for line in text:
                    fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable(path: Path) -> None:
    """Before any work: -o must name a file in a folder that exists or can be made."""
    if path.is_dir():
        raise UsageError(f"-o {path}: is a folder", fix="name a file, e.g. -o out.csv")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise UsageError(f"-o {path}: cannot create files under {parent}", fix="choose a writable folder")
