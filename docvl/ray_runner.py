"""`--runner ray`: the same batch on a Ray cluster. Ray schedules docvl's own per-document pipeline; it
does not replace it.

The driver (the docvl process) lists the inputs, skips what the journal says is finished, and hands Ray
Data a dataset of small work items (the input's index and path). `map_batches` runs them in a pool of
actors (`--workers` of them, else one per CPU of the cluster); each actor opens the engine once (an HTTP
client with its share of `--concurrency`, or the text engine) and runs load -> plan -> draw -> ask ->
parse for its documents on threads, exactly as the local runner does. Only results (JSON) come back: the
driver holds no page image. It journals each result as it arrives and hands them on in input order, so
the output, the report, `--max-failures` and the exit codes are the local runner's.

Ray rather than a home-made pool: it places actors on the machines of a cluster, restarts an actor (or a
node's share of work) that was lost, and retries its batch; a retried batch's results reach the driver
once, so nothing is written twice. Ray Data's own LLM processor sends one request per row and waits for
it, which cannot carry a document's several requests, re-asks and combining call; its checkpointing
only resumes file-to-file pipelines. So the resume journal stays docvl's: it is keyed here by each input's
path, size and modification time (a listing, not a read: a cluster's inputs are not read twice), and
a re-run of the same command (after a SIGKILL of the driver, say) runs only what is not in it.

Inputs at storage URLs (s3://, gs://, ...; docvl.storage) are fetched by the actor that reads them; local
inputs must be visible to every node at the same path (a shared file system), as for any Ray job.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docvl.batch import FailureLimit, Journal, Outcome, run_batch
from docvl.errors import DocvlError, EngineUnavailable, UsageError
from docvl.results import DocumentResult
from docvl.shards import Rows, ShardTarget
from docvl.storage import RemoteFile
from docvl.tasks.inputs import fetching

if TYPE_CHECKING:  # prepare imports this module (stamp, import_ray)
    from docvl.prepare import Prepared

# the Ray version docvl[ray] pins and the tests run
RAY_VERSION = "2.60.0"
RAY_FIX = f'install the extra: pip install "docvl[ray]" (Ray {RAY_VERSION})'
# documents in a block of the work items' dataset, at most (what a killed driver may have to redo per block
# in flight, and how late results reach it)
BLOCK_DOCUMENTS = 8


def stamp(path: Path) -> str | None:
    """The journal key of an input under the Ray runner: path, size and modification time, from the file
    system's listing (None when it cannot be read: the document then fails and says why)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return f"{os.path.abspath(path)}|{info.st_size}|{info.st_mtime_ns}"


@dataclass(frozen=True)
class RemoteTask:
    """What an actor needs to run one kind of task on documents, sent to it once: the run's option
    groups and the task's own options. It opens its own engine from them (prepare), as the driver did."""

    kind: str  # "ask" | "extract"
    groups: dict[str, Any]  # docvl.options' groups: planning, documents, drawing, engines, batch
    user: str  # the task's words in the prompt (checked against the context as on the driver)
    think: bool
    own: dict[str, Any] = field(default_factory=dict)  # AskOptions / ExtractOptions fields of the task
    engine_extra: dict[str, Any] = field(default_factory=dict)  # extract's --structured
    shards: ShardTarget | None = None  # --output-dir: each batch's records written there by its actor
    rows: Rows | None = None  # how a result becomes a record in a shard

    def open(self, concurrency: int) -> tuple[Callable[[Path], DocumentResult], Callable[[], None]]:
        """The task as a function of one path, and what closes it. ``concurrency``: this actor's share."""
        from docvl.prepare import prepare
        from docvl.tasks.ask import AskOptions, ask_document
        from docvl.tasks.extract import ExtractOptions, extract_document

        groups = dict(self.groups)
        # each actor is one process; Ray spreads the actors over the cores and machines
        groups["drawing"] = groups["drawing"].model_copy(update={"workers": 1})
        groups["engines"] = groups["engines"].model_copy(update={"concurrency": concurrency})
        run = prepare(None, user=self.user, think=self.think, **groups, **self.engine_extra)
        if self.kind == "ask":
            ask_options = AskOptions(**self.own, **run.document_options)
            return (lambda path: ask_document(path, ask_options, engine=run.engine, planning=run.planning)), run.close
        extract_options = ExtractOptions(**self.own, **run.document_options)
        return (
            lambda path: extract_document(path, extract_options, engine=run.engine, planning=run.planning)
        ), run.close


class DocumentActor:
    """A Ray Data actor: one engine; Ray calls it on ``concurrency`` threads at once, a document a call;
    results go back as JSON. Made for a run
    by ``for_run``, which binds the task to a subclass: constructor arguments would go through Ray's
    object store, from which an actor restarted after its node was lost may no longer get them."""

    task: RemoteTask
    concurrency: int

    @classmethod
    def for_run(cls, task: RemoteTask, concurrency: int) -> type[DocumentActor]:
        return type("DocumentActor", (cls,), {"task": task, "concurrency": concurrency})

    def __init__(self) -> None:
        _quiet_logs()
        # A run-ending error (the engine cannot start here, a usage error) goes back as data: Ray would
        # restart a failing actor forever, and hands the driver an exception without its cause.
        self._fatal: str | None = None
        try:
            self._run, self._close = self.task.open(self.concurrency)
        except (UsageError, EngineUnavailable) as exc:
            self._fatal = _error_json(exc)
            self._close = lambda: None
        self._fetched = tempfile.TemporaryDirectory(prefix="docvl-ray-inputs-")  # inputs at URLs, one at a time

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        items = [(int(i), str(p), str(u)) for i, p, u in zip(batch["index"], batch["path"], batch["url"], strict=True)]
        if self._fatal is not None:
            return {"index": batch["index"], "result": ["" for _ in items], "fatal": [self._fatal for _ in items]}
        try:
            results = [self._one(item) for item in items]  # Ray runs ``concurrency`` calls at once, on threads
        except (UsageError, EngineUnavailable) as exc:
            return {"index": batch["index"], "result": ["" for _ in items], "fatal": [_error_json(exc) for _ in items]}
        shards, rows = self.task.shards, self.task.rows
        if shards is not None and rows is not None:
            # before the results go back: the driver journals a document only once its record is written,
            # and a retried batch writes the same shard again under the same name
            written = [
                rows(r, str(k) or None) for r, k in zip(results, batch["key"], strict=True) if r.status != "failed"
            ]
            if written:
                shards.write(items[0][0], items[-1][0], written)
        return {"index": batch["index"], "result": [r.model_dump_json() for r in results], "fatal": ["" for _ in items]}

    def _one(self, item: tuple[int, str, str]) -> DocumentResult:
        index, path, url = item
        if not url:
            return self._run(Path(path))
        local = Path(self._fetched.name) / f"{index:06d}{Path(url.rsplit('/', 1)[-1]).suffix}"
        return fetching({local: RemoteFile(url, "")}, self._run, self.task.kind)(local)

    def __del__(self) -> None:
        close = getattr(self, "_close", None)
        if close is not None:
            close()


@dataclass
class RayRunner:
    """run_batch's contract (cli.run.run_and_report, api) on a Ray cluster: outcomes in input order,
    ``done`` handed on without running, the others journaled as they arrive, FailureLimit after the
    failure that reaches ``max_failures``."""

    task: RemoteTask
    address: str | None = None  # a cluster to join (RAY_ADDRESS); None: a local Ray started for the run
    actors: int | None = None  # None: one per CPU of the cluster
    remote: dict[Path, RemoteFile] = field(default_factory=dict)  # inputs at URLs: the actors fetch them

    def __call__(
        self,
        files: list[Path],
        task: Callable[[Path], DocumentResult] | None = None,  # the local runner's; the actors build their own
        *,
        concurrency: int,
        journal: Journal | None = None,
        done: dict[Path, DocumentResult] | None = None,
        max_failures: int | None = None,
        prefetch: int = 0,
    ) -> Iterator[Outcome]:
        ray = import_ray()
        done = done or {}
        todo = [(i, path) for i, path in enumerate(files) if path not in done]
        results: dict[int, DocumentResult] = {}
        started = False
        if todo:
            started = not ray.is_initialized()  # a Ray the caller started is the caller's to shut down
            _start(ray, self.address)
        key_of = journal.key_of if journal is not None else stamp
        arriving: Iterator[tuple[int, DocumentResult]] = self._run(ray, todo, concurrency, key_of) if todo else iter(())
        try:
            failures = 0
            for index, path in enumerate(files):
                if path in done:
                    outcome = Outcome(path, done[path], reused=True)
                else:
                    while index not in results:
                        got, result = next(arriving)
                        results[got] = result
                        if journal is not None and result.status != "failed":
                            key = journal.key_of(files[got])
                            if key is not None:
                                journal.append(key, result)
                    outcome = Outcome(path, results.pop(index))
                yield outcome
                if outcome.result.status == "failed":
                    failures += 1
                    if max_failures is not None and failures >= max_failures:
                        raise FailureLimit(f"{failures} document(s) failed")
        finally:
            close = getattr(arriving, "close", None)
            if close is not None:
                close()  # Ray's iterator, before Ray shuts down
            if started and self.address is None:
                ray.shutdown()

    def _run(
        self, ray: Any, todo: list[tuple[int, Path]], concurrency: int, key: Callable[[Path], str | None]
    ) -> Iterator[tuple[int, DocumentResult]]:
        resources = ray.cluster_resources()
        cpus = max(1, int(resources.get("CPU", 1)))
        # an in-process model (--engine transformers) runs in each actor, on a GPU of its own where the
        # cluster has them (and --device is not cpu): as many actors as GPUs
        engines = self.task.groups["engines"]
        gpus = int(resources.get("GPU", 0)) if engines.engine == "transformers" and engines.device != "cpu" else 0
        # an actor takes a CPU: more actors than the cluster has CPUs would not start, and their share of
        # --concurrency with them
        actors = min(self.actors or cpus, cpus, gpus or cpus, len(todo))
        share = max(1, math.ceil(concurrency / actors))
        urls = {path: found.url for path, found in self.remote.items()}
        items = [
            {
                "index": i,
                "path": str(path),
                "url": urls.get(path, ""),
                "key": (key(path) or "") if self.task.shards else "",
            }
            for i, path in todo
        ]
        # Small blocks: Ray Data hands a block's results on only when the whole block is done, so a block
        # of a few documents reaches the driver (and its journal) soon after they finish, while blocks of
        # one document each would cost Ray more than the work. Each actor runs ``share`` blocks at once, on
        # threads, none waiting for another.
        per_block = max(1, min(BLOCK_DOCUMENTS, len(items) // (actors * share * 4)))
        dataset = ray.data.from_items(items, override_num_blocks=math.ceil(len(items) / per_block))
        mapped = dataset.map_batches(
            DocumentActor.for_run(self.task, share),
            batch_size=1,
            compute=ray.data.ActorPoolStrategy(
                size=actors,
                max_concurrent_calls_per_actor=share,
                max_tasks_in_flight_per_actor=share * 2,
                enable_true_multi_threading=True,
            ),
            num_cpus=1,
            num_gpus=1 if gpus else None,
        )
        rows = iter(mapped.iter_rows())
        try:
            fatal: DocvlError | None = None
            for row in rows:
                if row.get("fatal") or fatal is not None:
                    # the actor met a run-ending error: it ends the run, with its exit code, once Ray has
                    # finished the dataset (every later call returns at once): shutting Ray down while its
                    # executor still runs makes Ray's core end the process itself (exit 1)
                    fatal = fatal or _error_from_json(row["fatal"])
                    continue
                yield int(row["index"]), DocumentResult.model_validate_json(row["result"])
            if fatal is not None:
                raise fatal
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()  # before Ray shuts down, not when collected


def runner_for(
    run: Prepared,
    kind: str,
    *,
    user: str,
    think: bool,
    own: dict[str, Any],
    shards: tuple[ShardTarget, Rows] | None = None,
    **engine_extra: Any,
) -> Callable[..., Iterator[Outcome]]:
    """The batch's runner (CLI and API): this process (docvl.batch.run_batch), or with --runner ray a
    RayRunner whose actors run ``kind`` ("ask" / "extract") with the task's own options ``own``, set up
    from the run's option groups as the driver set up its own."""
    batch = run.groups["batch"]
    if batch.runner != "ray":
        return run_batch
    target, rows = shards if shards is not None else (None, None)
    task = RemoteTask(
        kind, run.groups, user=user, think=think, own=own, engine_extra=engine_extra, shards=target, rows=rows
    )
    return RayRunner(task, address=batch.ray_address, actors=run.groups["drawing"].workers, remote=run.sources.remote)


def _error_json(exc: DocvlError) -> str:
    return json.dumps({"kind": type(exc).__name__, "message": exc.message, "path": exc.path, "fix": exc.fix})


def _error_from_json(text: str) -> DocvlError:
    data = json.loads(text)
    kind = EngineUnavailable if data["kind"] == "EngineUnavailable" else UsageError
    return kind(data["message"], path=data.get("path"), fix=data.get("fix"))


def import_ray() -> Any:
    try:
        import ray
        import ray.data  # sets up Ray Data's loggers, which _quiet_logs then turns down
    except ImportError:
        raise UsageError("--runner ray needs Ray, which is not installed", fix=RAY_FIX) from None
    return ray


def _start(ray: Any, address: str | None) -> None:
    _quiet_logs()
    if ray.is_initialized():
        return
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.ERROR}
    try:
        # "local": a Ray of its own for this run, never one that `ray start` left on this machine
        ray.init(address=address or "local", **kwargs)
        _quiet_logs()  # ray.init sets up its own loggers
    except ConnectionError as exc:
        raise UsageError(
            f"could not join the Ray cluster at {address} ({exc})",
            fix="check --ray-address / RAY_ADDRESS (e.g. ray://head:10001 or auto on a node of the cluster)",
        ) from None
    context = ray.data.DataContext.get_current()
    # results come in as they finish; the driver puts them in input order itself (RayRunner.__call__)
    context.execution_options.preserve_order = False
    context.enable_progress_bars = False  # docvl's own lines and bars say the progress
    context.print_on_execution_start = False


def _quiet_logs() -> None:
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
