"""`extract`: one validated record per document, with the page each field came from.

Invalid replies are re-asked with the validation errors (up to ``retries`` times); a reply that stays
invalid is kept with status `partial` and its errors, never dropped. Null means "not in the
document": the model may always answer null, and a required field left null makes the record
partial instead of being re-asked (re-asking would push the model to guess).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docvl.confidence import field_confidence
from docvl.engines.base import Engine
from docvl.grounding import locate_record, value_at
from docvl.load.document import Document
from docvl.parse import JsonReplyError, parse_json_object, split_reasoning, split_sidecar, validation_errors
from docvl.planning import Planning
from docvl.prompt import extract_instructions, extract_prompt
from docvl.results import DocumentResult, ErrorItem, FieldConflict
from docvl.schema import nullable, with_page_sidecar
from docvl.tasks.pipeline import DocumentOptions, TaskRun, page_reader, picture_reader
from docvl.tasks.windows import WindowInput

REASK = (
    "Your previous reply was not valid:\n{errors}\n"
    "Reply again with one JSON object that satisfies the schema. Use null where the document does not say."
)


@dataclass
class ExtractOptions(DocumentOptions):
    schema: dict[str, Any] = field(default_factory=dict)
    retries: int = 2
    confidence: bool = False  # each value's confidence from token log-probabilities (costs server throughput)
    min_confidence: float | None = None  # fields below it make the record partial, for a person to check
    ground: bool = True  # each value's boxes on the page (docvl.grounding); unlocated values said
    require_located: bool = False  # a value found nowhere in the document makes the record partial


@dataclass
class _Attempt:
    data: dict[str, Any] | None
    pages: dict[str, list[int]]
    errors: list[str]  # against the null-tolerant schema: worth a re-ask
    truncated: bool
    raw: str | None = None  # the reply text, when it held no readable JSON
    confidence: dict[str, float] = field(default_factory=dict)
    logprobs: bool = False  # the engine sent token log-probabilities with the reply


def extract_user_text(schema: dict[str, Any]) -> str:
    """The request's text besides the pages: what the plan reserves tokens for (also checked up front)."""
    return extract_instructions(nullable(schema))


def extract_document(path: Path, options: ExtractOptions, *, engine: Engine, planning: Planning) -> DocumentResult:
    """Never raises for a problem with this document: the result says what went wrong."""
    result = DocumentResult(path=str(path), task="extract", status="failed", engine=engine.name)
    run = TaskRun(result, options, engine, planning)
    relaxed = nullable(options.schema)
    with run.guarded():
        doc, plan = run.load_and_plan(path, extract_user_text(options.schema), schema=options.schema)
        scored = options.confidence or options.min_confidence is not None
        per_window = [
            _extract_window(run, window, options.retries, relaxed, scored) for window in run.windows(doc, plan)
        ]
        data, pages, confidence, conflicts = _merge(per_window, list(options.schema.get("properties", {})))
        result.data, result.field_pages, result.conflicts = data, pages, conflicts
        result.field_confidence = confidence
        result.warnings.extend(
            f"field {c.field}: kept {c.kept!r} (page(s) {_pages(c.kept_pages)}), page(s) {_pages(c.other_pages)} "
            f"say {c.other!r}"
            for c in conflicts
        )
        remaining = list(dict.fromkeys(e for a in per_window for e in a.errors))  # still invalid after re-asks
        # a model that answers null read the page and says it is not there; the text engine only says it
        # found no label or pattern for it
        why = (
            "not found by the text engine (null)"
            if engine.capabilities.extractive
            else "the document does not state it (null)"
        )
        missing = [
            f"{name}: required, but {why}"
            for name in options.schema.get("required", [])
            if data is not None and data.get(name) is None
        ]
        truncated = any(a.truncated for a in per_window)
        for message in [*remaining, *missing]:
            result.errors.append(ErrorItem(code="invalid", message=message))
        _check_confidence(result, options.min_confidence, any(a.logprobs for a in per_window))
        if data is not None and options.ground:
            _ground(result, doc, options)
        if truncated:
            result.errors.append(
                ErrorItem(
                    code="truncated", message="a reply hit --max-output and was cut off", fix="raise --max-output"
                )
            )
        if data is None:
            # The model answered, but never with readable JSON: the record is kept, with the reply.
            result.raw_reply = next((a.raw for a in reversed(per_window) if a.raw is not None), None)
        low = any(e.code in ("low_confidence", "unlocated") for e in result.errors)
        result.status = "partial" if (data is None or remaining or missing or truncated or low) else "ok"
    return result


def _ground(result: DocumentResult, doc: Document, options: ExtractOptions) -> None:
    """Boxes for every value (result.field_boxes) and the values found nowhere (result.unlocated); with
    --require-located each of those is an error naming the field."""
    assert result.data is not None

    read = page_reader(doc, options)
    boxes, unlocated = locate_record(
        result.data, result.field_pages, [p.number for p in doc.pages], read, picture_reader(doc, options, read)
    )
    result.field_boxes, result.unlocated = boxes, unlocated
    if options.require_located:
        for path, why in unlocated.items():
            value = value_at(result.data, path)
            result.errors.append(
                ErrorItem(
                    code="unlocated",
                    message=f"{path}: {value!r} is not in the document ({why})",
                    fix="check it by hand: the model may have computed, misread or made it up",
                )
            )


def _check_confidence(result: DocumentResult, threshold: float | None, logprobs: bool) -> None:
    """Every value must reach ``threshold``; a value with no confidence (its tokens could not be matched)
    is not taken as checked. Nulls are not scored: they say the document does not state the field."""
    if threshold is None or result.data is None:
        return
    if not logprobs:
        result.warnings.append(f"--min-confidence {threshold}: the engine gave no token log-probabilities, not checked")
        return
    for name, value in result.data.items():
        if value is None:
            continue
        confidence = result.field_confidence.get(name)
        pages = result.field_pages.get(name, [])
        where = f" (page {_pages(pages)})" if pages else ""
        if confidence is None:
            what = f"{name}: {value!r} has no confidence (the log-probabilities did not cover it), so it is not checked"
        elif confidence < threshold:
            what = f"{name}: {value!r} read with confidence {confidence}, below --min-confidence {threshold}"
        else:
            continue
        result.errors.append(ErrorItem(code="low_confidence", message=what + where, fix="check it by hand"))


def _extract_window(run: TaskRun, window: WindowInput, retries: int, relaxed: dict[str, Any], scored: bool) -> _Attempt:
    feedback: str | None = None
    attempt = _Attempt(None, {}, ["no reply"], False)
    wire_schema = with_page_sidecar(relaxed)
    for _ in range(retries + 1):
        prompt = extract_prompt(run.system, relaxed, window.pages, window.texts, feedback)
        reply = run.generate(prompt, window, json_schema=wire_schema, extra_text=feedback or "", logprobs=scored)
        text, _ = split_reasoning(reply.text)
        truncated = reply.finish_reason == "length"
        try:
            raw = parse_json_object(text)
        except JsonReplyError as exc:
            # an earlier reply's data stays, and so do the reasons it was not valid
            kept = [e for e in attempt.errors if e != "no reply"] if attempt.data is not None else []
            attempt = _Attempt(
                attempt.data, attempt.pages, [*kept, str(exc)], truncated, raw=text, confidence=attempt.confidence,
                logprobs=attempt.logprobs,
            )  # fmt: skip
            feedback = REASK.format(errors=f"- {exc}")
        else:
            data, pages = split_sidecar(raw, window.numbers)
            for name in relaxed.get("properties", {}):
                data.setdefault(name, None)  # a field the model left out is "not found", and says so
            errors = validation_errors(data, relaxed)
            # values only: a null is "not in the document", which a token's probability does not measure
            present = [name for name, value in data.items() if value is not None]
            confidence = field_confidence(reply.text, reply.token_logprobs, present, answer=text) if scored else {}
            attempt = _Attempt(
                data, pages, errors, truncated, confidence=confidence, logprobs=reply.token_logprobs is not None
            )
            if not errors:
                break
            feedback = REASK.format(errors="\n".join(f"- {e}" for e in errors[:20]))
        if truncated:
            break  # the same --max-output would cut the next reply too; reported as truncated
    return attempt


def _pages(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers)) or "not cited"


def _merge(
    attempts: list[_Attempt], fields: list[str]
) -> tuple[dict[str, Any] | None, dict[str, list[int]], dict[str, float], list[FieldConflict]]:
    """Across windows, in page order: the first non-null value of each field wins; a different non-null
    value later is reported as a conflict, not hidden."""
    with_data = [a for a in attempts if a.data is not None]
    if not with_data:
        return None, {}, {}, []
    if len(with_data) == 1:
        return with_data[0].data, with_data[0].pages, with_data[0].confidence, []
    merged: dict[str, Any] = {}
    pages: dict[str, list[int]] = {}
    confidence: dict[str, float] = {}
    conflicts: list[FieldConflict] = []
    keys = list(dict.fromkeys([*fields, *(k for a in with_data for k in (a.data or {}))]))  # not None (with_data)
    for key in keys:
        for a in with_data:
            value = (a.data or {}).get(key)
            if value is None:
                continue
            if key not in merged or merged[key] is None:
                merged[key] = value
                if key in a.pages:
                    pages[key] = a.pages[key]
                if key in a.confidence:
                    confidence[key] = a.confidence[key]  # the window the value came from
            elif value != merged[key]:
                conflicts.append(
                    FieldConflict(
                        field=key,
                        kept=merged[key],
                        kept_pages=pages.get(key, []),
                        other=value,
                        other_pages=a.pages.get(key, []),
                    )
                )
        merged.setdefault(key, None)
    return merged, pages, confidence, conflicts
