"""Predictions for a labelled dataset from a live run: each item asked (or extracted) with the run's engine
and options, as `docvl ask` / `docvl extract` would, in parallel, resumable through a journal.

Rows are what `ask -o` / `extract -o` write, plus what only a live run knows: the pages the plan sent
(`_sent_pages`: was the evidence even sent?), tokens, requests and seconds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docvl.batch import content_hash, run_batch
from docvl.evaluate.datasets import ExtractItem, QAItem
from docvl.prepare import Prepared
from docvl.results import DocumentResult
from docvl.tasks.ask import AskOptions, ask_document
from docvl.tasks.extract import ExtractOptions, extract_document
from docvl.write import answer_record, record


def _live(row: dict[str, Any], result: DocumentResult) -> dict[str, Any]:
    row["_sent_pages"] = (
        sorted({n for r in result.rounds for n in r.pages} or {p.number for p in result.plan.pages})
        if result.plan
        else []
    )
    row["_tokens"] = result.usage.total_tokens
    row["_requests"] = result.usage.requests
    row["_seconds"] = round(result.timings.total_s, 3)
    return row


def predict(
    items: Sequence[QAItem | ExtractItem],
    run: Prepared,
    *,
    work: Callable[[Any], DocumentResult],
    row: Callable[[DocumentResult], dict[str, Any]],
    key: Callable[[Any], str],
    journal: Path | None,
    force: bool,
    on_row: Callable[[dict[str, Any], DocumentResult], None] | None = None,
    **task_key: Any,
) -> list[dict[str, Any]]:
    """One row per item, in item order. Items are handed to the batch as stand-in paths (one document can
    carry many questions), and journaled by ``key`` (the document's content and the question)."""
    stand_ins: dict[Path, QAItem | ExtractItem] = {Path(f"item-{i:06d}"): item for i, item in enumerate(items)}
    log = run.journal(journal, **task_key) if journal is not None else None
    done: dict[Path, DocumentResult] = {}
    if log is not None:
        log.key_of = lambda p: key(stand_ins[p])
        log.name_of = lambda p: str(stand_ins[p].file)
        if force:
            log.reset()
        done = log.finished(list(stand_ins))
    engines = run.groups["engines"]
    parallel = engines.concurrency if run.engine.capabilities.parallel_requests else 1
    rows = []
    for outcome in run_batch(
        list(stand_ins), lambda p: work(stand_ins[p]), concurrency=parallel, journal=log, done=done,
        prefetch=2 if parallel > 1 else 0,
    ):  # fmt: skip
        made = _live(row(outcome.result), outcome.result)
        rows.append(made)
        if on_row is not None:
            on_row(made, outcome.result)
    return rows


def predict_qa(
    items: list[QAItem], run: Prepared, *, max_requests: int, journal: Path | None, force: bool, **more: Any
) -> list[dict[str, Any]]:
    def task(item: QAItem) -> DocumentResult:
        options = AskOptions(question=item.question, max_requests=max_requests, **run.document_options)
        return ask_document(item.file, options, engine=run.engine, planning=run.planning)

    def key(item: QAItem) -> str:
        return hashlib.sha256(f"{content_hash(item.file)}\n{item.question}".encode()).hexdigest()

    return predict(
        items, run, work=task, row=answer_record, key=key, journal=journal, force=force, task="eval-qa",
        max_requests=max_requests, **more,
    )  # fmt: skip


def predict_extract(
    items: list[ExtractItem], run: Prepared, *, schema: dict[str, Any], own: dict[str, Any], journal: Path | None,
    force: bool, **more: Any,
) -> list[dict[str, Any]]:  # fmt: skip
    options = ExtractOptions(schema=schema, **own, **run.document_options)
    fields = list(schema.get("properties", {}))
    return predict(
        items, run,
        work=lambda item: extract_document(item.file, options, engine=run.engine, planning=run.planning),
        row=lambda result: record(result, fields),
        key=lambda item: content_hash(item.file) or str(item.file),
        journal=journal, force=force, task="eval-extract", **options.resume_fields(), **more,
    )  # fmt: skip
