"""What every task does around its own logic: load and plan the document, walk its windows, call the
engine with the profile's sampling, and keep the books (usage, timings, warnings) in the result."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docvl.engines.base import Engine, Generation, Reply
from docvl.errors import EngineUnavailable, InputError
from docvl.load import DEFAULT_DPI, Document, load_document
from docvl.plan import Plan, plan_pages
from docvl.prompt import Prompt
from docvl.relevance import document_relevance
from docvl.results import DocumentResult, ErrorItem
from docvl.tasks.windows import WindowInput, window_inputs


@dataclass
class DocumentOptions:
    """Options every task shares."""

    think: bool = False
    password: str | None = None
    dpi: float = DEFAULT_DPI
    renderer: str = "pymupdf"
    workers: int = 1
    # Held while a document is read or drawn: PDFium and MuPDF are not thread-safe, and documents run
    # on threads when --concurrency > 1 (the engine calls are what runs in parallel).
    pdf_lock: AbstractContextManager = field(default_factory=nullcontext, repr=False)


class TaskRun:
    def __init__(self, result: DocumentResult, options: DocumentOptions, engine: Engine, planning) -> None:
        self.result, self.options, self.engine, self.planning = result, options, engine, planning
        chat = planning.profile.chat
        self.system = chat.think_system if options.think else chat.no_think_system
        self.sampling = chat.think_sampling if options.think else chat.no_think_sampling
        self._started = time.perf_counter()

    def load_and_plan(self, path: Path, user: str, query: str | None = None) -> tuple[Document, Plan]:
        """``query``: what pages are ranked against when the document does not fit at full resolution."""
        with self.options.pdf_lock:
            doc = load_document(
                path, password=self.options.password, selection=self.planning.selection, dpi=self.options.dpi
            )
            relevance = document_relevance(doc, query) if query else None
        self.result.warnings.extend(w.message for w in doc.warnings)
        self.result.timings.load_s = time.perf_counter() - self._started
        plan = plan_pages(
            doc.pages,
            profile=self.planning.profile,
            counter=self.planning.counter,
            system=self.system,
            user=user,
            settings=self.planning.settings,
            relevance=relevance,
        )
        self.result.plan = plan
        return doc, plan

    def windows(self, doc: Document, plan: Plan) -> Iterator[WindowInput]:
        inputs = window_inputs(
            doc,
            plan,
            self.engine,
            tile_size=self.planning.profile.tile_size,
            renderer=self.options.renderer,
            workers=self.options.workers,
        )
        while True:
            with self.options.pdf_lock:  # drawn under the lock; the engine call runs without it
                window = next(inputs, None)
            if window is None:
                return
            self.result.timings.render_s += window.seconds
            self.result.warnings.extend(window.warnings)
            yield window

    def generate(self, prompt: Prompt, window: WindowInput, json_schema: dict[str, Any] | None = None) -> Reply:
        reply = self.engine.generate(
            prompt,
            Generation(
                max_tokens=self.planning.settings.max_output,
                temperature=self.sampling.get("temperature", 0.0),
                top_p=self.sampling.get("top_p"),
                max_tiles=window.max_tiles,
                json_schema=json_schema,
            ),
        )
        self.result.timings.engine_s += reply.seconds
        self.result.warnings.extend(reply.notes)
        self.result.usage = self.result.usage.add(reply.usage)
        self.result.model = reply.model or self.result.model
        return reply

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """A problem with this document becomes its failed result; only an engine that cannot run at all
        (exit 3) ends the run."""
        try:
            yield
        except InputError as exc:
            self.result.errors.append(ErrorItem(code=exc.code, message=exc.message, fix=exc.fix))
        except EngineUnavailable:
            raise
        except Exception as exc:  # a failed request for this document; the batch goes on
            self.result.errors.append(ErrorItem(code="engine", message=f"{type(exc).__name__}: {exc}"))
        finally:
            self.result.timings.total_s = time.perf_counter() - self._started
