"""Worker processes that read documents for a batch: loading, page analysis, drawing and JPEG/PNG encoding.

MuPDF and PDFium are not thread-safe, and the GIL serialises what they do anyway, so a batch that loads
and draws on its request threads keeps one core busy however many requests are in flight. A run of many
documents therefore hands that work to a pool of processes (``--workers``, the number of cores by
default) and keeps only the requests in the main process: planning (cheap: no PDF library call), the
prompt, the HTTP call and the bookkeeping. What crosses between processes is small and crosses once:
the document's metadata and page texts one way, encoded page images (never pixels, which cost more to
pickle than to draw) the other.

Workers are spawned, not forked: a forked child would inherit every open file descriptor of the caller
(a listening socket of a program that embeds docvl stays open in the workers, so its clients hang), and
a copy of locks other threads held. Spawning imports docvl afresh in each worker (about 0.4 s, once per
run, all workers at once) and, as multiprocessing does, the caller's main module: a script that calls
docvl.extract_many must guard its entry point with ``if __name__ == "__main__":``.

Warnings a library raises in a worker (a Python warning, a libtiff message) belong to the document being
read: the worker collects them and the main process hands them to that document's collector.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from docvl.errors import CorruptFile
from docvl.load import load_document
from docvl.load.document import Document
from docvl.load.reading_order import Word
from docvl.load.textlayer import Order, PageContent, page_words_of, read_contents
from docvl.pages import PageSelection
from docvl.render import PageRequest, RenderedPage, render_pages
from docvl.tasks.pipeline import collecting_warnings, current_warnings

T = TypeVar("T")


@dataclass
class Analysed:
    """A document as the planner needs it: its pages' sizes and their text layers."""

    document: Document
    contents: dict[int, PageContent]


@dataclass
class _Done:
    """A worker's answer: the value, and the warnings raised while it was made."""

    value: Any
    warnings: dict[str, int]  # LibraryWarnings.counts


class DocumentPool:
    """``workers`` processes, shared by every document of a run; each call blocks its (request) thread
    until a worker has done it, so the batch's own bound on documents in flight bounds the pool's queue."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._lock = threading.Lock()
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        # started now, side by side, so the first documents do not wait for imports one worker at a time
        for future in [pool.submit(_ready) for _ in range(self.workers)]:
            future.result()
        return pool

    def analyse(
        self, path: Path, *, password: str | None, selection: PageSelection, dpi: float, order: Order = "all"
    ) -> Analysed:
        """load_document + read_contents, in a worker. Raises what they raise (a DocvlError for a
        problem with the file)."""
        return self._call(path, _analyse, path, password, selection, dpi, order)

    def reread(self, document: Document, numbers: list[int]) -> dict[int, PageContent]:
        """The pages' contents read in full (reading order, headings): for ranking a long document."""
        return self._call(document.path, _reread, document, numbers)

    def words(self, document: Document, numbers: list[int]) -> dict[int, list[Word]]:
        """The pages' words with their boxes (docvl.grounding), read in a worker."""
        return self._call(document.path, _words, document, numbers)

    def draw(
        self, document: Document, requests: Sequence[PageRequest], *, renderer: str, encode: str
    ) -> list[RenderedPage]:
        """The pages drawn at their grids and encoded, in request order, by one worker that opens the
        document once for them all; the pages hold their encoded bytes only."""
        return self._call(document.path, _draw, document, list(requests), renderer, encode)

    def _call(self, path: Path, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker. A worker that dies (a PDF library crashing on a hostile file) takes
        the pool's other calls with it: the pool is started again and each call is tried once more, so
        only a file that crashes it twice fails, and the batch goes on."""
        for attempt in (1, 2):
            pool = self._pool
            try:
                done: _Done = pool.submit(_in_worker, fn, *args).result()
                break
            except BrokenProcessPool:
                self._restart(pool)
                if attempt == 2:
                    raise CorruptFile(
                        "reading it made the PDF library crash, twice (a worker process died)",
                        path=path,
                        fix="the file is damaged or made to harm readers: repair it (`mutool clean`, `qpdf`) or "
                        "leave it out",
                    ) from None
        collector = current_warnings()
        if collector is not None:
            collector.merge(done.warnings)
        return done.value

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:  # the calls that broke with it restart it once
            if self._pool is broken:
                broken.shutdown(wait=False, cancel_futures=True)
                self._pool = self._start()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# -- in the worker ----------------------------------------------------------------------------------------


# How often a worker checks that the docvl process that started it is still there.
PARENT_CHECK_S = 1.0


def _start_worker(parent: int) -> None:
    from docvl.libtiff import route_messages

    route_messages()  # libtiff's C messages to the document's collector, as in the main process
    threading.Thread(target=_exit_with, args=(parent,), daemon=True, name="docvl-parent-watch").start()


def _exit_with(parent: int) -> None:
    """End this worker when its docvl process is gone (killed, even with SIGKILL): a worker waits for work
    on a queue whose writing end its siblings hold too, so it never learns from the queue that the
    parent died, and would wait forever."""
    while True:
        time.sleep(PARENT_CHECK_S)
        if os.getppid() != parent:
            os._exit(0)


def _ready() -> None:
    """Nothing: its call makes sure the worker is running."""


def _in_worker(fn: Callable[..., Any], *args: Any) -> _Done:
    """``fn(*args)`` with the warnings it raises collected: the worker runs one call at a time, so
    catch_warnings (process-wide) sees exactly this call's."""
    with collecting_warnings() as collector, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # counted per document by the collector, not once per process
        value = fn(*args)
    for w in caught:
        collector.add(w.message, w.category)
    return _Done(value, collector.counts())


def _analyse(path: Path, password: str | None, selection: PageSelection, dpi: float, order: Order) -> Analysed:
    document = load_document(path, password=password, selection=selection, dpi=dpi)
    return Analysed(document, read_contents(document, order=order))


def _reread(document: Document, numbers: list[int]) -> dict[int, PageContent]:
    return read_contents(document, numbers=numbers)


def _words(document: Document, numbers: list[int]) -> dict[int, list[Word]]:
    return page_words_of(document, numbers)


def _draw(document: Document, requests: list[PageRequest], renderer: str, encode: str) -> list[RenderedPage]:
    # encoded bytes only: the main process sends them as they are and never needs the pixels
    return [
        replace(page, _image=None, _thumbnail=None)
        for page in render_pages(document, requests, renderer=renderer, encode=encode, thumbnails=False)
    ]
