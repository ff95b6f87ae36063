"""What every task does around its own logic: load and plan the document, walk its windows, call the
engine with the profile's sampling, and keep the books (usage, timings, warnings) in the result."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docvl.engines.base import Engine, Generation, Reply
from docvl.errors import DocumentTimeout, EngineUnavailable, InputError
from docvl.load import DEFAULT_DPI, Document, load_document
from docvl.plan import Plan
from docvl.planning import Planning, plan_document
from docvl.prompt import Prompt, TextPart
from docvl.render.textlayer import PageContent, read_contents
from docvl.results import DocumentResult, ErrorItem, RequestRecord
from docvl.tasks.windows import WindowInput, window_inputs


@dataclass
class DocumentOptions:
    """Options every task shares."""

    think: bool = False
    password: str | None = None
    dpi: float = DEFAULT_DPI
    renderer: str = "pymupdf"
    workers: int = 1
    document_timeout: float | None = None  # seconds for the whole document, every request included
    # Held while a document is read or drawn: PDFium and MuPDF are not thread-safe, and documents run
    # on threads when --concurrency > 1 (the engine calls are what runs in parallel).
    pdf_lock: AbstractContextManager = field(default_factory=nullcontext, repr=False)
    # Held during each engine call: --concurrency requests in flight, while more documents than that are
    # loaded and drawn ahead of their turn (batch.run_batch's prefetch).
    engine_slots: AbstractContextManager = field(default_factory=nullcontext, repr=False)
    on_pages: Callable[[int], None] | None = field(default=None, repr=False)  # pages drawn, for a progress bar


class TaskRun:
    def __init__(self, result: DocumentResult, options: DocumentOptions, engine: Engine, planning: Planning) -> None:
        self.result, self.options, self.engine, self.planning = result, options, engine, planning
        self.contents: dict[int, PageContent] = {}
        chat = planning.profile.chat
        self.system = chat.think_system if options.think else chat.no_think_system
        self.sampling = chat.think_sampling if options.think else chat.no_think_sampling
        self._started = time.perf_counter()
        self._plans: list[Plan] = []  # plans after the first (wider looks): their windows' planned tokens

    def load_and_plan(
        self, path: Path, user: str, query: str | None = None, schema: Mapping[str, Any] | None = None
    ) -> tuple[Document, Plan]:
        """``query`` / ``schema``: what pages are ranked against when the document does not fit at full
        resolution."""
        with self.options.pdf_lock:
            doc = load_document(
                path, password=self.options.password, selection=self.planning.selection, dpi=self.options.dpi
            )
            self.contents = read_contents(doc)
            plan = plan_document(
                doc, self.contents, self.planning, system=self.system, user=user, query=query, schema=schema
            )
        self.result.warnings.extend(w.message for w in doc.warnings)
        self.result.timings.load_s = time.perf_counter() - self._started
        self.result.plan = plan
        return doc, plan

    def replan(self, doc: Document, user: str, *, query: str, exclude: set[int]) -> Plan:
        """A plan of the pages not yet sent (a wider look); the result keeps the first plan."""
        with self.options.pdf_lock:
            plan = plan_document(
                doc, self.contents, self.planning, system=self.system, user=user, query=query, exclude=exclude
            )
        self._plans.append(plan)
        return plan

    def windows(self, doc: Document, plan: Plan) -> Iterator[WindowInput]:
        inputs = window_inputs(
            doc,
            plan,
            self.engine,
            contents=self.contents,
            tile_size=self.planning.profile.tile_size,
            renderer=self.options.renderer,
            workers=self.options.workers,
        )
        while True:
            with self.options.pdf_lock:  # drawn under the lock; the engine call runs without it
                window = next(inputs, None)
            if window is None:
                return
            self.check_time()
            self.result.timings.render_s += window.seconds
            if self.options.on_pages is not None:
                self.options.on_pages(len(window.numbers))
            self.result.warnings.extend(window.warnings)
            yield window

    def generate(
        self,
        prompt: Prompt,
        window: WindowInput | None,
        json_schema: dict[str, Any] | None = None,
        *,
        extra_text: str = "",
        logprobs: bool = False,
        widen: bool = False,
    ) -> Reply:
        """One engine call, recorded with the prompt tokens the plan counted for it: the window's tokens
        (plus ``extra_text``, a re-ask's feedback), or for a call with no window (reduce) its words."""
        self.check_time()
        plan, counter = (self._plans[-1] if widen and self._plans else self.result.plan), self.planning.counter
        if window is not None:
            planned = plan.windows[window.index - 1].tokens + (counter.count(extra_text) if extra_text else 0)
        else:
            words = "\n".join(p.text for p in prompt.parts if isinstance(p, TextPart))
            planned = counter.count_chat(prompt.system, words)
        with self.options.engine_slots:
            reply = self._call(prompt, window, json_schema, logprobs)
        self.result.timings.engine_s += reply.seconds
        self.result.warnings.extend(reply.notes)
        self.result.usage = self.result.usage.add(reply.usage)
        self.result.model = reply.model or self.result.model
        self.result.requests.append(
            RequestRecord(
                purpose="reduce" if window is None else ("re-ask" if extra_text else ("widen" if widen else "window")),
                window=window.index if window is not None else None,
                planned_prompt_tokens=planned,
                prompt_tokens=reply.usage.prompt_tokens,
                completion_tokens=reply.usage.completion_tokens,
                finish_reason=reply.finish_reason,
                seconds=reply.seconds,
            )
        )
        if reply.usage.prompt_tokens > planned:
            self.result.warnings.append(
                f"the engine counted {reply.usage.prompt_tokens:,} prompt tokens where the plan counted {planned:,}: "
                "it tiles or templates differently from the profile (check a server's max_num_tiles and thumbnail "
                "settings), or the text estimate fell short (pass --tokenizer)"
            )
        return reply

    def _call(
        self, prompt: Prompt, window: WindowInput | None, json_schema: dict[str, Any] | None, logprobs: bool = False
    ) -> Reply:
        self.check_time()  # the wait for a free engine slot counts against --document-timeout too
        return self.engine.generate(
            prompt,
            Generation(
                max_tokens=self.planning.settings.max_output,
                temperature=self.sampling.get("temperature", 0.0),
                top_p=self.sampling.get("top_p"),
                max_tiles=window.max_tiles if window is not None else self.planning.settings.max_tiles,
                json_schema=json_schema,
                timeout=self.time_left(),
                logprobs=logprobs,
            ),
        )

    def time_left(self) -> float | None:
        if self.options.document_timeout is None:
            return None
        return self.options.document_timeout - (time.perf_counter() - self._started)

    def check_time(self) -> None:
        left = self.time_left()
        if left is not None and left <= 0:
            raise DocumentTimeout(
                f"took longer than --document-timeout {self.options.document_timeout:g} s",
                fix="raise --document-timeout, or lower --max-tiles / --pages to make the document cheaper",
            )

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """A problem with this document becomes its failed result; only an engine that cannot run at all
        (exit 3) ends the run."""
        try:
            yield
        except (InputError, DocumentTimeout) as exc:
            self.result.errors.append(ErrorItem(code=exc.code, message=exc.message, fix=exc.fix))
        except EngineUnavailable:
            raise
        except Exception as exc:  # a failed request for this document; the batch goes on
            left = self.time_left()
            if left is not None and left <= 0.5:  # the request was cut short by --document-timeout
                self.result.errors.append(
                    ErrorItem(
                        code="timeout",
                        message=f"took longer than --document-timeout {self.options.document_timeout:g} s ({exc})",
                        fix="raise --document-timeout, or lower --max-tiles / --pages to make the document cheaper",
                    )
                )
            else:
                self.result.errors.append(
                    ErrorItem(code="engine", message=f"{type(exc).__name__}: {exc}", fix=getattr(exc, "fix", None))
                )
        finally:
            self.result.timings.total_s = time.perf_counter() - self._started
