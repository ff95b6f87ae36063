"""Before any document is read: the options that can be checked are checked (a UsageError, exit 2), the
inputs are found, the engine is started (EngineUnavailable, exit 3) and planning is fitted to it. The CLI's
ask and extract and the Python API's docvl.ask_many / extract_many all set a run up here, so they refuse
the same options, fit the same planning and key the same journal."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docvl.batch import Journal, content_hash, journal_path, run_key
from docvl.engines import open_engine
from docvl.engines.base import Engine
from docvl.errors import UsageError
from docvl.load import discover
from docvl.load.document import DocumentWarning
from docvl.load.sources import Sources
from docvl.options import Batch, Documents, Drawing, EngineChoice, PlanningOptions, resume_key
from docvl.planner import PAGE_LABEL, TEXT_PART_OVERHEAD
from docvl.planning import Planning, with_engine_context, with_engine_tokenizer
from docvl.pool import DocumentPool
from docvl.ray_runner import import_ray, stamp
from docvl.render import PDF_RENDERERS

Note = Callable[[str], None]


def _silent(text: str) -> None:
    """The API's notes: what they say is in each result's plan (its context, its counter)."""


def check_room(cfg: Planning, *, system: str, user: str) -> None:
    """Before any document: a context that cannot hold the answer, the prompt and the cheapest page any
    document could have (one tile as an image, a word of text as text) fails every document, so it is a
    usage error (exit 2) whatever the inputs. A page dearer than that is known only per document, where
    planning says so (also exit 2, tasks.pipeline.TaskRun.guarded)."""
    s, counter = cfg.settings, cfg.counter
    prompt = counter.count_chat(system, user)
    budget = s.context - s.max_output - prompt
    tile = cfg.profile.image_tokens(cfg.profile.grid(1000, 1000, 1, False))
    text = TEXT_PART_OVERHEAD + 1
    page = counter.count(PAGE_LABEL.format(number=1)) + {"image": tile, "both": tile + text}.get(s.page_mode, text)
    if budget < page:
        raise UsageError(
            f"the context leaves {budget:,} tokens for pages (context {s.context:,} - answer {s.max_output:,} - "
            f"prompt {prompt:,}), but a page needs at least {page:,}",
            fix="raise --context or lower --max-output",
        )


def check_renderer(renderer: str) -> None:
    """--renderer, before any document (images never use it, so a PDF might be met late or never)."""
    if renderer not in PDF_RENDERERS:
        raise UsageError(f"unknown renderer {renderer!r}", fix=f"choose one of: {', '.join(PDF_RENDERERS)}")


def fit_to_engine(cfg: Planning, engine: Engine, tokenizer: Path | None, note: Note = _silent) -> Planning:
    """The planning a started engine needs: its own tokenizer to count text (unless ``tokenizer`` was
    given), and its server's request length when that is shorter than the context asked for (``note``)."""
    cfg = with_engine_tokenizer(cfg, engine, tokenizer)
    return with_engine_context(cfg, engine, note)


def find_inputs(
    inputs: list[str],
    *,
    attachments: bool = False,
    password: str | None = None,
    note: Note = _silent,
    warn: Callable[[Path, DocumentWarning], None] | None = None,
) -> Sources:
    """Files to process; ``note`` hears what folders held besides documents. None at all is a usage error:
    a CI job pointed at an empty or wrong folder must not pass. ``attachments``: the PDFs and images
    embedded in PDFs too, each right after its PDF (Sources.with_attachments); ``warn`` hears about
    attachments that could not be read."""
    sources = discover(inputs)
    if sources.skipped:
        names = ", ".join(str(p) for p in sources.skipped[:5]) + (" ..." if len(sources.skipped) > 5 else "")
        note(
            f"skipped {len(sources.skipped)} entr{'y' if len(sources.skipped) == 1 else 'ies'} in folders "
            f"(not PDFs or images, unreadable, or symlinked folders): {names}"
        )
    if not sources.files:
        raise UsageError(
            f"no PDF or image files found in {', '.join(inputs)}",
            fix="check the path; folders are searched recursively for PDFs and images",
        )
    if attachments:
        sources.with_attachments(password)
        if warn is not None:
            for path, warning in sources.notes:
                warn(path, warning)
    return sources


@dataclass
class Prepared:
    """A run set up: what ask and extract (CLI and API) share before any document is read."""

    planning: Planning  # checked, fitted to the started engine
    engine: Engine
    sources: Sources
    document_options: dict[str, Any]  # the tasks' shared DocumentOptions fields
    groups: dict[str, Any] = field(default_factory=dict)  # the option groups the run was built from
    # how the journal finds an input's entry: by content (local runner) or by listing (ray_runner.stamp)
    journal_key: Callable[[Path], str | None] = content_hash

    def close(self, *, engine: bool = True) -> None:
        """The worker processes, and the engine (unless it is the caller's, ``engine=False``)."""
        pool = self.document_options.get("pool")
        if pool is not None:
            pool.close()
        if engine:
            self.engine.close()

    def journal(self, path: Path, **task: Any) -> Journal:
        """The journal at ``path`` for this run: keyed by everything that changes a result: ``task``
        (question or schema, think...), the option groups' fields that change results (resume_fields), the
        engine and the model it runs, and the planning the run uses (settings, profile, token counter)."""
        key = run_key(
            **task,
            options=resume_key(**{name: group for name, group in self.groups.items() if name != "batch"}),
            engine=self.engine.name,
            model=self.engine.model,
            settings=self.planning.settings.model_dump(),
            profile=self.planning.profile.name,
            # what counts the plan's tokens (--tokenizer DIR, or the engine's own): another counter plans
            # other pages, so its results are not this run's
            token_counter=self.planning.counter.name,
        )
        return Journal(path, key, key_of=self.journal_key, name_of=self.sources.display)


def prepare(
    inputs: list[str] | None,
    *,
    user: str,
    think: bool,
    planning: PlanningOptions,
    documents: Documents,
    drawing: Drawing,
    engines: EngineChoice,
    batch: Batch,
    engine: Engine | None = None,
    start: Callable[[EngineChoice], Engine] | None = None,
    note: Note = _silent,
    warn: Callable[[Path, DocumentWarning], None] | None = None,
    on_pages: Callable[[int], None] | None = None,
    **engine_extra: Any,
) -> Prepared:
    """Check what can be checked before any document (UsageError), find the inputs, start the engine
    (EngineUnavailable if it cannot run) unless ``engine`` is one already open, fit the planning to it and
    check again. ``start``: how the engine is opened (the CLI's shows a spinner); ``engine_extra``: a
    task's own options for the engine plug-ins (extract's --structured). ``inputs`` None: no inputs to
    find (a Ray actor, handed its documents one by one). With ``batch.runner`` "ray" no worker processes
    start here: Ray's actors read and draw the documents (docvl.ray_runner)."""
    cfg = planning.build()
    ray = batch.runner == "ray"
    if ray:
        check_ray_run(engines, documents)
    check_renderer(drawing.renderer)
    system = cfg.profile.chat.think_system if think else cfg.profile.chat.no_think_system
    check_room(cfg, system=system, user=user)  # before any document, and before the engine starts
    sources = (
        Sources()
        if inputs is None
        else find_inputs(inputs, attachments=documents.attachments, password=documents.password, note=note, warn=warn)
    )
    opened = engine is None
    if engine is None:
        if start is not None:
            engine = start(engines)
        else:
            engine, _ = open_engine(engines.engine, engines.engine_options(**engine_extra))
    caps = engine.capabilities
    pool = None
    try:
        cfg = fit_to_engine(cfg, engine, planning.tokenizer, note)
        check_room(cfg, system=system, user=user)  # again: the engine's tokenizer, a server's shorter context
        # Worker processes pay off for many documents whose requests overlap and whose pages go as files;
        # one document splits its own pages between processes (render.render_pages), and an in-process
        # model or the text engine takes one request at a time.
        if (
            not ray
            and drawing.processes > 1
            and len(sources.files) > 1
            and caps.parallel_requests
            and caps.image_encoding
        ):
            pool = DocumentPool(min(drawing.processes, len(sources.files)))
    except BaseException:
        if opened:  # a caller's own engine stays open
            engine.close()
        raise
    shared = {
        "pool": pool,
        "think": think,
        "password": documents.password,
        "dpi": documents.dpi,
        "renderer": drawing.renderer,
        "workers": drawing.processes,
        "document_timeout": batch.document_timeout,
        "pdf_lock": threading.Lock(),
        "engine_slots": threading.BoundedSemaphore(engines.concurrency),
        "on_pages": on_pages,
        "debug": documents.debug,
    }
    groups = {"planning": planning, "documents": documents, "drawing": drawing, "engines": engines, "batch": batch}
    listed = stamp if ray else content_hash  # a local input's key; one at a URL has its listing's
    return Prepared(cfg, engine, sources, shared, groups, journal_key=lambda path: sources.key(path) or listed(path))


def check_ray_run(engines: EngineChoice, documents: Documents) -> None:
    """What the Ray runner does not run (yet): said before anything starts."""
    import_ray()
    if documents.attachments:
        raise UsageError(
            "--attachments saves embedded files to this machine's temporary folder, which Ray's workers on other "
            "machines cannot read",
            fix="extract the attachments to a shared folder first, or use the local runner",
        )


__all__ = ["Prepared", "check_renderer", "check_room", "find_inputs", "fit_to_engine", "journal_path", "prepare"]
