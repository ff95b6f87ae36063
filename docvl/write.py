"""Write stage: extraction records as JSON, JSONL or CSV. A file appears whole or not at all."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from docvl.errors import UsageError
from docvl.results import DocumentResult

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


def record(result: DocumentResult) -> dict[str, Any]:
    """One output row: the file, its status, the fields, and the sidecars."""
    row: dict[str, Any] = {"file": result.path, "status": result.status}
    row.update(result.data or {})
    row["_pages"] = result.field_pages
    row["_errors"] = [e.message for e in result.errors]
    if result.raw_reply is not None:
        row["_raw_reply"] = result.raw_reply
    return row


def render_records(results: Iterable[DocumentResult], fmt: str, csv_lines: str = "explode") -> str:
    rows = [record(r) for r in results]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return _csv(rows, csv_lines)


def _csv(rows: list[dict[str, Any]], csv_lines: str) -> str:
    import pandas as pd

    if csv_lines not in CSV_LINES:
        raise UsageError(f"--csv-lines {csv_lines!r}", fix=f"choose one of: {', '.join(CSV_LINES)}")
    flat_rows = []
    for row in rows:
        base = {k: v for k, v in row.items() if not isinstance(v, list) or k.startswith("_")}
        base["_pages"] = json.dumps(row["_pages"], ensure_ascii=False)
        base["_errors"] = "; ".join(row["_errors"])
        lists = {k: v for k, v in row.items() if isinstance(v, list) and not k.startswith("_")}
        if csv_lines == "json" or not lists:
            for key, value in lists.items():
                base[key] = json.dumps(value, ensure_ascii=False)
            flat_rows.append(base)
            continue
        # explode: one row per item of the longest list, items flattened as key.subkey
        length = max(len(v) for v in lists.values())
        for i in range(max(length, 1)):
            out = dict(base)
            for key, items in lists.items():
                item = items[i] if i < len(items) else None
                if isinstance(item, dict):
                    out.update({f"{key}.{k}": v for k, v in item.items()})
                else:
                    out[key] = item
            flat_rows.append(out)
    # dtype=object keeps 1 as "1": inferred columns turn integers into floats as soon as a row lacks them
    frame = pd.DataFrame([_flatten(row) for row in flat_rows], dtype=object)
    return frame.to_csv(index=False)


def _flatten(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def write_atomic(path: Path, text: str) -> None:
    """Write beside the target, flush to disk, then rename over it: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
