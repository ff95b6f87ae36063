"""docvl from Python: the pipeline the CLI runs, with the same options, guarantees and result models.

    import docvl

    result = docvl.ask("report.pdf", "What drove the 2023 margin drop?")
    print(result.answer, result.pages)

    invoice = docvl.extract("invoice.pdf", Invoice, server="http://localhost:8000/v1")
    invoice.data  # an Invoice (a pydantic class given as the schema), or None with the reason in .errors

    for result in docvl.extract_many("invoices/", "schemas/invoice.json", concurrency=8):
        ...

A problem with one document is that document's result (``status == "failed"``, ``errors`` saying what
and the fix), as in a CLI batch; options that cannot work raise docvl.errors.UsageError before any
document is read, and an engine that cannot start raises EngineUnavailable. Planning keywords
(``context``, ``max_tiles``, ``pages``, ``page_mode``...) are docvl.options.PlanningOptions' fields; an
unknown keyword is a UsageError naming it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from pydantic import BaseModel, ValidationError

from docvl.batch import run_batch
from docvl.engines import EngineOptions, open_engine
from docvl.engines.base import Engine
from docvl.errors import UsageError
from docvl.load import DEFAULT_DPI, discover, load_document
from docvl.load.textlayer import read_contents
from docvl.options import PlanningOptions
from docvl.planner import Plan
from docvl.planning import Planning, plan_document, with_engine_context, with_engine_tokenizer
from docvl.results import DocumentResult, ErrorItem
from docvl.schema import as_schema
from docvl.tasks.ask import DEFAULT_MAX_REQUESTS, AskOptions, ask_document
from docvl.tasks.extract import ExtractOptions, extract_document

__all__ = ["ExtractResult", "ask", "ask_many", "extract", "extract_many", "plan"]

Source = str | Path
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class ExtractResult(DocumentResult, Generic[T]):
    """An extraction's result: ``data`` is an instance of the pydantic class given as the schema (None
    when the record does not validate against it: the errors say which field), or the record as a dict
    for a JSON Schema; ``values`` is the record as the CLI writes it, always a dict."""

    data: T | None = None  # type: ignore[assignment]  # narrowed from DocumentResult's dict
    values: dict[str, Any] | None = None


def plan(source: Source, question: str | None = None, *, password: str | None = None, **planning: Any) -> Plan:
    """How ``source`` fits the context: the pages sent, as image or text, their tiles and tokens, and
    what was left out and why (as `docvl plan`). ``question`` ranks a long document's pages."""
    cfg = _planning(planning)
    profile = cfg.profile
    doc = load_document(source, password=password, selection=cfg.selection, dpi=DEFAULT_DPI)
    user = question or ""
    return plan_document(doc, read_contents(doc), cfg, system=profile.chat.no_think_system, user=user, query=question)


def ask(
    source: Source,
    question: str,
    *,
    engine: str | Engine = "auto",
    server: str | None = None,
    model: str | None = None,
    think: bool = False,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    password: str | None = None,
    **planning: Any,
) -> DocumentResult:
    """The answer to ``question`` from one document, with the pages it rests on (as `docvl ask`).
    ``engine``: "auto" (a server if ``server`` or DOCVL_BASE_URL is set, else the text engine), "openai",
    "transformers", "text", or an engine already open (kept open: a model loads once for many calls)."""
    (result,) = ask_many(
        [source], question, engine=engine, server=server, model=model, think=think,
        max_requests=max_requests, password=password, concurrency=1, **planning,
    )  # fmt: skip
    return result


def ask_many(
    sources: Source | Iterable[Source],
    question: str,
    *,
    engine: str | Engine = "auto",
    server: str | None = None,
    model: str | None = None,
    think: bool = False,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    password: str | None = None,
    concurrency: int = 4,
    **planning: Any,
) -> Iterator[DocumentResult]:
    """``ask`` over files, folders (recursively) and globs: results in input order as they finish, up to
    ``concurrency`` requests in flight; one document's failure is its result, the rest go on."""
    cfg = _planning(planning)
    with _engine(engine, server, model, concurrency) as eng:
        cfg = _fit(cfg, eng, planning)
        options = AskOptions(
            question=question,
            max_requests=max_requests,
            **_shared(think, password, concurrency),
        )
        yield from _run(sources, lambda path: ask_document(path, options, engine=eng, planning=cfg), eng, concurrency)


@overload
def extract(source: Source, schema: type[M], **options: Any) -> ExtractResult[M]: ...
@overload
def extract(source: Source, schema: dict[str, Any] | str | Path, **options: Any) -> ExtractResult[dict[str, Any]]: ...
def extract(source: Source, schema: Any, **options: Any) -> ExtractResult[Any]:
    """One validated record from one document (as `docvl extract`). ``schema``: a pydantic class (then
    ``result.data`` is an instance of it), a JSON Schema dict, or a JSON Schema file. Options as
    ``extract_many``."""
    (result,) = extract_many([source], schema, **{**options, "concurrency": 1})
    return result


def extract_many(
    sources: Source | Iterable[Source],
    schema: Any,
    *,
    engine: str | Engine = "auto",
    server: str | None = None,
    model: str | None = None,
    think: bool = False,
    retries: int = 2,
    confidence: bool = False,
    min_confidence: float | None = None,
    password: str | None = None,
    concurrency: int = 4,
    **planning: Any,
) -> Iterator[ExtractResult[Any]]:
    """``extract`` over files, folders (recursively) and globs: one record per document in input order,
    up to ``concurrency`` requests in flight; one document's failure is its result, the rest go on."""
    the_schema = as_schema(schema)
    model_class = schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
    cfg = _planning(planning)
    with _engine(engine, server, model, concurrency) as eng:
        cfg = _fit(cfg, eng, planning)
        options = ExtractOptions(
            schema=the_schema,
            retries=retries,
            confidence=confidence,
            min_confidence=min_confidence,
            **_shared(think, password, concurrency),
        )
        for result in _run(
            sources, lambda path: extract_document(path, options, engine=eng, planning=cfg), eng, concurrency
        ):
            yield _typed(result, model_class)


# -- the joins ------------------------------------------------------------------------------------------


def _planning(keywords: dict[str, Any]) -> Planning:
    try:
        return PlanningOptions(**keywords).build()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'options'}: {e['msg']}" for e in exc.errors())
        known = ", ".join(PlanningOptions.model_fields)
        raise UsageError(f"bad option ({problems})", fix=f"planning options are: {known}") from None


def _shared(think: bool, password: str | None, concurrency: int) -> dict[str, Any]:
    """The DocumentOptions both tasks take: PDF libraries used by one thread at a time (documents run on
    threads), at most ``concurrency`` requests in flight."""
    return {
        "think": think,
        "password": password,
        "pdf_lock": threading.Lock(),
        "engine_slots": threading.BoundedSemaphore(concurrency),
    }


@contextmanager
def _engine(engine: str | Engine, server: str | None, model: str | None, concurrency: int) -> Iterator[Engine]:
    """The engine asked for: opened here and closed after (a name), or the caller's (kept open)."""
    if not isinstance(engine, str):
        yield engine
        return
    opened, _ = open_engine(engine, EngineOptions(server=server, model=model, concurrency=concurrency))
    try:
        yield opened
    finally:
        opened.close()


def _fit(cfg: Planning, engine: Engine, keywords: dict[str, Any]) -> Planning:
    """Planning for the started engine: its tokenizer (unless one was given), its server's context."""
    cfg = with_engine_tokenizer(cfg, engine, keywords.get("tokenizer"))
    return with_engine_context(cfg, engine, lambda note: None)  # the plan's context says it


def _run(sources: Source | Iterable[Source], task: Any, engine: Engine, concurrency: int) -> Iterator[DocumentResult]:
    inputs = [sources] if isinstance(sources, str | Path) else list(sources)
    files = discover([str(s) for s in inputs]).files
    if not files:
        raise UsageError(f"no PDF or image files found in {', '.join(map(str, inputs))}", fix="check the path")
    parallel = concurrency if engine.capabilities.parallel_requests else 1
    for outcome in run_batch(files, task, concurrency=parallel, prefetch=2 if parallel > 1 else 0):
        yield outcome.result


def _typed(result: DocumentResult, model_class: type[BaseModel] | None) -> ExtractResult[Any]:
    values = result.data
    out = ExtractResult[Any].model_validate({**result.model_dump(exclude={"data"}), "values": values})
    if values is None:
        return out
    if model_class is None:
        out.data = values
        return out
    try:
        out.data = model_class.model_validate(values)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
        out.errors.append(
            ErrorItem(
                code="validation",
                message=f"the record does not validate against {model_class.__name__} ({fields})",
                fix="make those fields optional in the class, or check the pages the plan kept",
            )
        )
        if out.status == "ok":
            out.status = "partial"
    return out
