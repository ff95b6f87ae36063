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

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

from pydantic import BaseModel, ValidationError

from docvl.batch import Outcome
from docvl.engines.base import Engine
from docvl.errors import UsageError
from docvl.load import DEFAULT_DPI, load_document
from docvl.load.textlayer import read_contents
from docvl.options import PlanningOptions, grouped_keywords, problems
from docvl.planner import Plan
from docvl.planning import Planning, plan_document
from docvl.prepare import Prepared, prepare
from docvl.ray_runner import runner_for
from docvl.results import DocumentResult, ErrorItem
from docvl.schema import as_schema
from docvl.tasks.ask import DEFAULT_MAX_REQUESTS, AskOptions, ask_document, ask_user_text
from docvl.tasks.extract import ExtractOptions, extract_document, extract_user_text
from docvl.tasks.inputs import fetching

__all__ = ["ExtractResult", "ask", "ask_many", "extract", "extract_many", "plan"]

Source = str | Path
# what only the command line does: its own report file, terminal and tracebacks
CLI_ONLY = frozenset({"report", "quiet", "debug"})
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
R = TypeVar("R")


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
    think: bool = False,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    **options: Any,
) -> DocumentResult:
    """The answer to ``question`` from one document, with the pages it rests on (as `docvl ask`).
    ``engine``: "auto" (a server if ``server`` or DOCVL_BASE_URL is set, else the text engine), "openai",
    "transformers", "text", or an engine already open (kept open: a model loads once for many calls).
    ``options``: as ``ask_many``."""
    results = ask_many([source], question, engine=engine, think=think, max_requests=max_requests, **options)
    return _one(source, results, "ask")


def ask_many(
    sources: Source | Iterable[Source],
    question: str,
    *,
    engine: str | Engine = "auto",
    think: bool = False,
    max_requests: int = DEFAULT_MAX_REQUESTS,
    journal: str | Path | None = None,
    **options: Any,
) -> Iterator[DocumentResult]:
    """``ask`` over files, folders (recursively) and globs: results in input order as they finish, up to
    ``concurrency`` requests in flight; one document's failure is its result, the rest go on.

    ``options``: any field of docvl.options' groups (``server``, ``model``, ``concurrency``, ``timeout``,
    ``max_tiles``, ``page_mode``, ``pages``, ``dpi``, ``password``, ``attachments``, ``renderer``,
    ``document_timeout``, ``max_failures``, ``force``...); ``server`` may be a list, to spread documents
    over several servers of the same model (README: Several servers). ``journal``: a file that makes the run
    resumable as the CLI's -o is: each finished document is recorded the moment it finishes, and a later
    call with the same inputs and options hands those results back without running them again.
    ``max_failures`` / ``fail_fast``: after that many failed documents the iterator raises
    docvl.batch.FailureLimit (the failures themselves were yielded first)."""
    run = _prepare(sources, engine, options, user=ask_user_text(question), think=think)
    task_options = AskOptions(question=question, max_requests=max_requests, **run.document_options)
    own = {"question": question, "max_requests": max_requests}
    yield from _run(
        run, lambda path: ask_document(path, task_options, engine=run.engine, planning=run.planning),
        engine, journal, runner_for(run, "ask", user=ask_user_text(question), think=think, own=own),
        task="ask", **task_options.resume_fields(),
    )  # fmt: skip


@overload
def extract(source: Source, schema: type[M], **options: Any) -> ExtractResult[M]: ...
@overload
def extract(source: Source, schema: dict[str, Any] | str | Path, **options: Any) -> ExtractResult[dict[str, Any]]: ...
def extract(source: Source, schema: Any, **options: Any) -> ExtractResult[Any]:
    """One validated record from one document (as `docvl extract`). ``schema``: a pydantic class (then
    ``result.data`` is an instance of it), a JSON Schema dict, or a JSON Schema file. Options as
    ``extract_many``."""
    return _one(source, extract_many([source], schema, **{**options, "concurrency": 1}), "extract")


def extract_many(
    sources: Source | Iterable[Source],
    schema: Any,
    *,
    engine: str | Engine = "auto",
    think: bool = False,
    retries: int = 2,
    confidence: bool = False,
    min_confidence: float | None = None,
    structured: str = "auto",
    journal: str | Path | None = None,
    **options: Any,
) -> Iterator[ExtractResult[Any]]:
    """``extract`` over files, folders (recursively) and globs: one record per document in input order,
    up to ``concurrency`` requests in flight; one document's failure is its result, the rest go on.
    ``options`` and ``journal`` as ``ask_many``; ``structured``: how a server is asked for schema-shaped
    JSON (`docvl extract --structured`)."""
    the_schema = as_schema(schema)
    model_class = schema if isinstance(schema, type) and issubclass(schema, BaseModel) else None
    extra: dict[str, Any] = {"structured": structured} if structured != "auto" else {}
    run = _prepare(sources, engine, options, user=extract_user_text(the_schema), think=think, **extra)
    own: dict[str, Any] = {
        "schema": the_schema, "retries": retries, "confidence": confidence, "min_confidence": min_confidence,
    }  # fmt: skip
    task_options = ExtractOptions(**own, **run.document_options)
    runner = runner_for(run, "extract", user=extract_user_text(the_schema), think=think, own=own, **extra)
    results = _run(
        run, lambda path: extract_document(path, task_options, engine=run.engine, planning=run.planning),
        engine, journal, runner, task="extract", structured=structured, **task_options.resume_fields(),
    )  # fmt: skip
    for result in results:
        yield _typed(result, model_class)


# -- the joins ------------------------------------------------------------------------------------------


def _planning(keywords: dict[str, Any]) -> Planning:
    try:
        return PlanningOptions(**keywords).build()
    except ValidationError as exc:
        said = problems(exc, whole="options")
        known = ", ".join(PlanningOptions.model_fields)
        raise UsageError(f"bad option ({said})", fix=f"planning options are: {known}") from None


def _prepare(
    sources: Source | Iterable[Source],
    engine: str | Engine,
    options: dict[str, Any],
    *,
    user: str,
    think: bool,
    **engine_extra: Any,
) -> Prepared:
    """The run as the CLI sets it up (docvl.prepare), from the API's flat keywords. A name as ``engine``
    is opened here (and closed when the iterator ends); an engine object is the caller's, kept open."""
    inputs = [sources] if isinstance(sources, str | Path) else list(sources)
    if "engine" in options:
        raise UsageError("engine is a parameter of its own", fix="pass engine=... once")
    name = engine if isinstance(engine, str) else getattr(engine, "name", "auto")
    groups = grouped_keywords({**options, "engine": name}, refused=CLI_ONLY)
    if not isinstance(engine, str) and getattr(groups["batch"], "runner", "local") == "ray":
        raise UsageError(
            "runner='ray' opens an engine on each Ray worker from its name; an engine object cannot travel there",
            fix="pass engine by name (engine='openai', server=...), or use the local runner",
        )
    return prepare(
        [str(s) for s in inputs],
        user=user,
        think=think,
        engine=None if isinstance(engine, str) else engine,
        **groups,  # type: ignore[arg-type]  # the five groups, by the names prepare takes
        **engine_extra,
    )


def _run(
    run: Prepared,
    work: Callable[[Path], DocumentResult],
    engine: str | Engine,
    journal: str | Path | None,
    runner: Callable[..., Iterator[Outcome]],
    **task_key: Any,
) -> Iterator[DocumentResult]:
    """The batch (docvl.batch.run_batch, or docvl.ray_runner's on Ray) with the CLI's guarantees: input
    order, bounded work in flight, a journal that skips what an earlier call finished, the failure limit."""
    batch, engines = run.groups["batch"], run.groups["engines"]
    files = run.sources.files
    try:
        log = run.journal(Path(journal), **task_key) if journal is not None else None
        done = {}
        if log is not None:
            if batch.force:
                log.reset()
            done = log.finished(files)
        parallel = engines.concurrency if run.engine.capabilities.parallel_requests else 1
        outcomes = runner(
            files,
            fetching(run.sources.remote, work, task_key["task"]),
            concurrency=parallel,
            journal=log,
            done=done,
            max_failures=1 if batch.fail_fast else batch.max_failures,
            prefetch=2 if parallel > 1 else 0,
        )
        for outcome in outcomes:
            if run.sources.names:  # an attachment, named as outer.pdf#invoice.pdf
                outcome.result.path = run.sources.display(outcome.path)
            yield outcome.result
    finally:
        run.close(engine=isinstance(engine, str))  # an engine object is the caller's: it stays open


def _one(source: Source, results: Iterator[R], name: str) -> R:
    """The result of a call that takes one document; a folder, glob or attachments give several."""
    got = list(results)
    if len(got) != 1:
        raise UsageError(
            f"docvl.{name} takes one document, and {source} holds {len(got)}",
            fix=f"use docvl.{name}_many for folders, globs and attachments",
        )
    return got[0]


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
        fields = problems(exc, limit=5)
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
