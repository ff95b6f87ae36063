"""`--output-dir`: a very large run's records as shard files (JSONL or Parquet) in a folder or at a storage
URL, instead of one output file that the driver holds and rewrites.

Each shard holds the records of a run of consecutive inputs and is named by their positions
(`part-00000012-00000019.jsonl`): written whole (a local file renamed into place, an object uploaded
whole), and written again under the same name when Ray retries its batch, so a retry never duplicates a
record. Under `--runner ray` each actor writes the shards of its own batches and the driver writes none;
the local runner writes one shard per SHARD_ROWS inputs, in input order. Every record carries `_doc_key`,
the input's journal key (content hash, or path/URL, size and modification time under Ray): a driver killed
after a shard was written but before its documents were journaled does them again on the re-run, so a
reader of many shards keeps the last record per `_doc_key`.
"""

from __future__ import annotations

import io
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docvl.errors import UsageError
from docvl.results import DocumentResult
from docvl.storage import is_url, upload
from docvl.write import answer_record, record, write_atomic

SHARD_FORMATS = ("jsonl", "parquet")
SHARD_ROWS = 1000  # records per shard under the local runner


@dataclass(frozen=True)
class Rows:
    """How a result becomes a record, as `-o` writes it (it travels to Ray's actors, so it is data, not a
    closure): ``task`` "extract" (the schema's ``fields``) or "ask" (``reasoning``: keep the trace)."""

    task: str
    fields: tuple[str, ...] = ()
    reasoning: bool = False

    def __call__(self, result: DocumentResult, key: str | None) -> dict[str, Any]:
        row = record(result, self.fields) if self.task == "extract" else answer_record(result, reasoning=self.reasoning)
        row["_doc_key"] = key
        return row


@dataclass(frozen=True)
class ShardTarget:
    """A folder (or storage URL) of shards in ``fmt``."""

    where: str
    fmt: str = "jsonl"

    def check(self) -> None:
        if self.fmt not in SHARD_FORMATS:
            raise UsageError(
                f"--output-dir writes {' or '.join(SHARD_FORMATS)}, not {self.fmt}",
                fix="pass --format jsonl or parquet",
            )
        if self.fmt == "parquet":
            try:
                import pyarrow  # type: ignore[import-untyped]  # noqa: F401
            except ImportError:
                raise UsageError("Parquet shards need pyarrow", fix="pip install pyarrow (docvl[ray] has it)") from None
        if not is_url(self.where):
            folder = Path(self.where)
            if folder.exists() and not folder.is_dir():
                raise UsageError(f"--output-dir {folder} is a file", fix="name a folder (it is created if missing)")
            folder.mkdir(parents=True, exist_ok=True)

    def name(self, first: int, last: int) -> str:
        return f"part-{first:08d}-{last:08d}.{self.fmt}"

    def write(self, first: int, last: int, rows: list[dict[str, Any]]) -> str:
        """The shard of inputs ``first``..``last`` (their positions), written whole; returns its name."""
        name = self.name(first, last)
        data = _parquet(rows) if self.fmt == "parquet" else "".join(_line(r) for r in rows).encode("utf-8")
        if is_url(self.where):
            with tempfile.TemporaryDirectory(prefix="docvl-shard-") as tmp:
                local = Path(tmp) / name
                local.write_bytes(data)
                upload(local, f"{self.where.rstrip('/')}/{name}")
        else:
            write_atomic(Path(self.where) / name, data)
        return name


def _line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n"


def _parquet(rows: list[dict[str, Any]]) -> bytes:
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    # nested values (line items, pages, confidences) as JSON text: one column type whatever each row holds
    flat = [
        {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in r.items()} for r in rows
    ]
    columns = list(dict.fromkeys(k for r in flat for k in r))
    for c in columns:  # one Arrow type per column: a column whose values differ in type is written as JSON text
        if len({type(r[c]) for r in flat if r.get(c) is not None}) > 1:
            for r in flat:
                if r.get(c) is not None and not isinstance(r[c], str):
                    r[c] = json.dumps(r[c], ensure_ascii=False)
    table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in flat])
    out = io.BytesIO()
    pq.write_table(table, out)
    return out.getvalue()
