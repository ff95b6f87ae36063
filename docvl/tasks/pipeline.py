"""What every task does around its own logic: load and plan the document, walk its windows, call the
engine with the profile's sampling, and keep the books (usage, timings, warnings) in the result."""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docvl.engines.base import Engine, Generation, Reply
from docvl.errors import (
    ASKING,
    DRAWING,
    LOADING,
    PARSING,
    PLANNING,
    DocumentTimeout,
    DocvlError,
    EngineRequestError,
    EngineUnavailable,
    InternalError,
    UsageError,
)
from docvl.grounding import PageWords
from docvl.load import DEFAULT_DPI, Document, load_document
from docvl.load.document import DocumentWarning
from docvl.load.reading_order import Word
from docvl.load.textlayer import PageContent, page_pictures_of, page_words_of, read_contents, reading_order
from docvl.planner import Plan
from docvl.planning import Planning, plan_document
from docvl.prompt import Prompt, TextPart
from docvl.render.ocr import OcrReader, PictureWords, ocr_available, ocr_page_words, ocr_picture_words
from docvl.results import DocumentResult, ErrorItem, RequestRecord
from docvl.tasks.windows import WindowInput, window_inputs

if TYPE_CHECKING:  # docvl.pool runs this module's warning collectors in its workers
    from docvl.pool import DocumentPool


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
    debug: bool = False  # --debug: an internal error's traceback goes to stderr too
    # worker processes that load, analyse and draw for the whole run (docvl.pool); None: this thread does
    pool: DocumentPool | None = field(default=None, repr=False)
    # OCR for grounding on scans (the ocr extra); one engine for the run, loaded on first use
    ocr: OcrReader | None = field(default_factory=lambda: OcrReader() if ocr_available() else None, repr=False)

    def resume_fields(self) -> dict[str, Any]:
        """What of the task's own options changes a result, for the resume key: ``think`` and the fields a
        task adds (question, schema, retries...). The rest here is how documents are read and run, which
        the option groups key (docvl.options.resume_key)."""
        shared = {f.name for f in fields(DocumentOptions)} - {"think"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in shared}


# Python warnings raised while a document is processed belong to that document. The CLI installs one
# warnings.showwarning hook for the whole run (cli/console.py) that hands each warning to the collector
# of the document being processed on the current thread, found through this ContextVar: documents run
# on threads (--concurrency), and warnings.catch_warnings cannot tell them apart (it is process-global).
_document_warnings: ContextVar[LibraryWarnings | None] = ContextVar("docvl_document_warnings", default=None)

# an absolute path into an installed package, as some libraries put in their messages: kept from the
# package folder on ("PIL/TiffImagePlugin.py"), the user has no use for where Python is installed
_INSTALLED_PATH = re.compile(r"(?:[A-Za-z]:)?[^\s'\"]*[\\/](?:site|dist)-packages[\\/]")


class LibraryWarnings:
    """The Python warnings one document raised, as docvl warnings: the category and the first line of
    the message, without file paths; a warning repeated page after page is kept once, with a count."""

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}

    def add(self, message: Warning | str, category: type[Warning]) -> None:
        lines = str(message).strip().splitlines()
        text = _INSTALLED_PATH.sub("", lines[0] if lines else "")[:300]
        key = f"{category.__name__}: {text}" if text else category.__name__
        self._counts[key] = self._counts.get(key, 0) + 1

    def counts(self) -> dict[str, int]:
        """What was said and how often: what a worker process sends back (docvl.pool)."""
        return dict(self._counts)

    def merge(self, counts: dict[str, int]) -> None:
        for key, n in counts.items():
            self._counts[key] = self._counts.get(key, 0) + n

    def warnings(self) -> list[DocumentWarning]:
        return [
            DocumentWarning("library_warning", f"a library warned: {key}" + (f" ({n} times)" if n > 1 else ""))
            for key, n in self._counts.items()
        ]


@contextmanager
def collecting_warnings() -> Iterator[LibraryWarnings]:
    """Route the Python warnings raised in this block, on this thread, to the returned collector (by the
    CLI's hook; without the hook, Python shows them as usual)."""
    collector = LibraryWarnings()
    token = _document_warnings.set(collector)
    try:
        yield collector
    finally:
        _document_warnings.reset(token)


def current_warnings() -> LibraryWarnings | None:
    """The collector of the document being processed on this thread, if any (for the warnings hook)."""
    return _document_warnings.get()


def internal_error(exc: BaseException, stage: str, path: str | Path | None, *, debug: bool) -> InternalError:
    """An unanticipated exception as a one-line error; its traceback on stderr only with --debug."""
    if debug:
        # one write, so tracebacks from documents on other threads do not interleave line by line
        sys.stderr.write("".join(traceback.format_exception(exc)))
    return InternalError.wrap(exc, stage, path=path)


class TaskRun:
    def __init__(self, result: DocumentResult, options: DocumentOptions, engine: Engine, planning: Planning) -> None:
        self.result, self.options, self.engine, self.planning = result, options, engine, planning
        self.contents: dict[int, PageContent] = {}
        chat = planning.profile.chat
        self.system = chat.think_system if options.think else chat.no_think_system
        self.sampling = chat.think_sampling if options.think else chat.no_think_sampling
        self._started = time.perf_counter()
        self._plans: list[Plan] = []  # plans after the first (wider looks): their windows' planned tokens
        # What the pipeline is doing now (docvl.errors' stage names), set as it goes: an exception nobody
        # anticipated is reported as "internal error while <stage>".
        self.stage = LOADING

    def load_and_plan(
        self, path: Path, user: str, query: str | None = None, schema: Mapping[str, Any] | None = None
    ) -> tuple[Document, Plan]:
        """``query`` / ``schema``: what pages are ranked against when the document does not fit at full
        resolution."""
        pool = self.options.pool
        if pool is not None:  # read in a worker process; this thread waits without the lock
            self.stage = LOADING
            analysed = pool.analyse(
                path,
                password=self.options.password,
                selection=self.planning.selection,
                dpi=self.options.dpi,
                order=reading_order(
                    self.planning.settings.page_mode, reads_pixels=self.engine.capabilities.reads_pixels
                ),
            )
            doc, self.contents = analysed.document, analysed.contents
        with self.options.pdf_lock:  # planning draws pages only to OCR-rank a long scan
            if pool is None:
                self.stage = LOADING
                doc = load_document(
                    path, password=self.options.password, selection=self.planning.selection, dpi=self.options.dpi
                )
                self.contents = read_contents(doc)
            self.stage = PLANNING
            plan = plan_document(
                doc, self.contents, self.planning, system=self.system, user=user, query=query, schema=schema,
                reread=(lambda numbers: pool.reread(doc, numbers)) if pool is not None else None,
            )  # fmt: skip
        self.result.warnings.extend(w.message for w in doc.warnings)
        self.result.timings.load_s = time.perf_counter() - self._started
        self.result.plan = plan
        return doc, plan

    def replan(self, doc: Document, user: str, *, query: str, exclude: set[int]) -> Plan:
        """A plan of the pages not yet sent (a wider look); the result keeps the first plan."""
        self.stage = PLANNING
        with self.options.pdf_lock:
            plan = plan_document(
                doc, self.contents, self.planning, system=self.system, user=user, query=query, exclude=exclude
            )
        self._plans.append(plan)
        return plan

    def windows(self, doc: Document, plan: Plan) -> Iterator[WindowInput]:
        pool = self.options.pool
        encode = self.engine.capabilities.image_encoding
        inputs = window_inputs(
            doc,
            plan,
            self.engine,
            contents=self.contents,
            tile_size=self.planning.profile.tile_size,
            renderer=self.options.renderer,
            workers=self.options.workers,
            # pages an engine sends as files are drawn and encoded by a worker process
            draw=(
                (lambda requests: pool.draw(doc, requests, renderer=self.options.renderer, encode=encode))
                if pool is not None and encode is not None
                else None
            ),
        )
        while True:
            self.stage = DRAWING
            # drawn here under the lock (the engine call runs without it), or by a worker without it
            with self.options.pdf_lock if pool is None else nullcontext():
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
            assert plan is not None, "a window is a part of a plan"
            planned = plan.windows[window.index - 1].tokens + (counter.count(extra_text) if extra_text else 0)
        else:
            words = "\n".join(p.text for p in prompt.parts if isinstance(p, TextPart))
            planned = counter.count_chat(prompt.system, words)
        self.stage = ASKING
        with self.options.engine_slots:
            reply = self._call(prompt, window, json_schema, logprobs)
        self.stage = PARSING  # what the task does next with the reply
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
                server=reply.server,
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
                document=self.result.path,
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
        """A problem with this document becomes its failed result, and the batch goes on; only a usage
        error (exit 2) or an engine that cannot run at all (exit 3) ends the run. Python warnings raised
        meanwhile become the result's warnings (collecting_warnings)."""
        path = self.result.path
        try:
            with collecting_warnings() as caught:
                yield
        except UsageError as exc:
            # a flag that cannot work, found only now (a context too small for this document's pages):
            # the same flag fails every document, so the run ends with exit 2, naming the file
            if exc.path is None:
                exc.path = path
            raise
        except EngineUnavailable:
            raise
        except DocvlError as exc:  # anticipated: unreadable input, --document-timeout, ...
            self.result.errors.append(ErrorItem(code=exc.code, message=exc.message, fix=exc.fix))
        except EngineRequestError as exc:  # a request that failed for good; the batch goes on
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
                self.result.errors.append(ErrorItem(code="engine", message=str(exc), fix=exc.fix))
        except Exception as exc:  # not anticipated: a bug, said as one, never as a problem with the input
            error = internal_error(exc, self.stage, path, debug=self.options.debug)
            self.result.errors.append(ErrorItem(code=error.code, message=error.message, fix=error.fix))
        finally:
            self.result.warnings.extend(w.message for w in caught.warnings())
            self.result.timings.total_s = time.perf_counter() - self._started


def page_reader(doc: Document, options: DocumentOptions) -> Callable[[list[int]], dict[int, PageWords]]:
    """Pages' words with their boxes, for grounding values and answers (docvl.grounding): the text layer,
    read in a worker process when the run has them (they hold the PDF libraries), else under the run's
    PDF lock; a page with no text layer (a scan, an image) is read by OCR when the ocr extra is
    installed. Each page is read once per document, however many values and passages look at it."""
    cache: dict[int, PageWords] = {}
    sizes = {p.number: (p.width_pt or float(p.width), p.height_pt or float(p.height)) for p in doc.pages}

    def read(numbers: list[int]) -> dict[int, PageWords]:
        missing = [n for n in dict.fromkeys(numbers) if n not in cache and n in sizes]
        if missing:
            if options.pool is not None:
                words = options.pool.words(doc, missing)
            else:
                with options.pdf_lock:
                    words = page_words_of(doc, missing)
            blank = [n for n in missing if not words.get(n)]
            scanned: dict[int, list[Word]] = {}
            if blank and options.ocr is not None:
                with options.pdf_lock:
                    scanned = ocr_page_words(doc, blank, options.ocr, options.renderer)
            for n in missing:
                if n in scanned:
                    cache[n] = PageWords(n, *sizes[n], scanned[n], source="ocr")
                else:
                    cache[n] = PageWords(n, *sizes[n], words.get(n, []))
        return {n: cache[n] for n in numbers if n in cache}

    return read


def picture_reader(
    doc: Document, options: DocumentOptions, read: Callable[[list[int]], dict[int, PageWords]]
) -> Callable[[list[int]], dict[int, PageWords]]:
    """The words in the pictures of text pages (company details or a stamp pasted in as an image), for
    values the text layer does not have: read by OCR when the ocr extra is installed (source "ocr"),
    else the pages with pictures come back with no words and source "unread", so that grounding can say
    what it could not read. OCR words the text layer also has (a searchable scan's) are left out. Each
    page once per document, each picture placed on many pages (a logo) once."""
    cache: dict[int, PageWords | None] = {}
    seen: PictureWords = {}

    def pictured(numbers: list[int]) -> dict[int, PageWords]:
        missing = [n for n in dict.fromkeys(numbers) if n not in cache]
        if missing:
            text = read(missing)
            pages = [n for n in missing if n in text and text[n].source == "text" and text[n].words]
            with options.pdf_lock:
                pictures = {n: p for n, p in page_pictures_of(doc, pages).items() if p}
            words: dict[int, list[Word]] = {}
            if pictures and options.ocr is not None:
                with options.pdf_lock:
                    words = ocr_picture_words(doc, pictures, options.ocr, options.renderer, seen)
            for n in missing:
                if n not in pictures:
                    cache[n] = None
                elif options.ocr is None:
                    cache[n] = replace(text[n], words=[], source="unread")
                else:
                    cache[n] = replace(text[n], words=_not_in(words.get(n, []), text[n].words), source="ocr")
        return {n: page for n in numbers if (page := cache.get(n)) is not None}

    return pictured


def _not_in(ocr: list[Word], layer: list[Word]) -> list[Word]:
    """The OCR words whose centre is in no text-layer word's box (give or take a point)."""

    def covered(w: Word) -> bool:
        cx, cy = (w.x0 + w.x1) / 2, (w.y0 + w.y1) / 2
        return any(t.x0 - 1 <= cx <= t.x1 + 1 and t.y0 - 1 <= cy <= t.y1 + 1 for t in layer)

    return [w for w in ocr if not covered(w)]
