"""Scaling out: the local runner against the Ray runner on the same server capacity, Ray's start-up cost,
and the driver's peak memory at 1,000 and 10,000 documents, in one run.

    python bench/scale.py [--docs 400] [--latency 0.2] [--concurrency 16] [--workers N] [--repeat 2]
                          [--small 1000] [--big 10000] [--mem-latency 0.01] [--mem-concurrency 64]
                          [--skip-throughput] [--skip-startup] [--skip-memory] [--quick]

The servers: two vLLM stubs of the tests (tests/vllm_stub.py), each in a process of its own on 127.0.0.1,
answering every chat completion after a fixed latency with a small JSON reply (bench/batch.py's REPLY).
They speak HTTP/1.1 with keep-alive, as vLLM does (10,000 documents over HTTP/1.0 would be 10,000 TCP
connections, whose closed ports linger). A stub has no limit of its own: its capacity is what its
clients keep in flight. docvl is given both (`--server A --server B`) and `--concurrency C`, the total it
keeps in flight, so each stub's share is C / 2. Each stub counts the chat completions it received, the
most it had in flight at once, and when the first arrived and the last was answered.

1. Throughput. `docvl extract` (a subprocess, one small JSON schema, `--quiet --force`) over --docs
   one-page prose documents (bench/throughput.py's make_text_docs: sent as text, one request each, so
   docvl's CPU per document is small and the runners are compared, not the drawing), with the local
   runner and with `--runner ray` (a local Ray started by docvl for the run; --workers N actors, else
   docvl's default of one per CPU, each with ceil(C / actors) of the concurrency), best of --repeat
   (alternating). Each run's documents/s is set against two figures of the same run:
   - the servers' limit: 2 servers x (C / 2 in flight each) / latency = C / latency requests/s, one
     request a document;
   - bare: a bare httpx client (keep-alive, no documents, no docvl) sending the same number of requests
     to the two stubs, C / 2 threads on each at once: requests/s.
   Two rates: the whole run without docvl's process start-up (`docvl --version`, best of 3; the bare
   client has none; Ray's start-up stays in), and the serving rate: documents over the time from the
   first request any stub received to the last answer any sent (no start-up, no shutdown, either
   runner). What the run spent before its first request and after its last answer, each runner, is the
   start-up and shutdown cost measured inside docvl's own run. Per run: chat completions and peak in
   flight per stub (the spread over the servers), mean in flight while serving (requests x latency /
   serving time), the records with status ok, when the first record reached the output file (docvl
   appends each JSONL line as the driver journals it) and the longest time between two records (how
   coarsely results reach the driver), peak RSS of the docvl process (VmHWM) and of its whole
   process tree (Ray's processes included), CPU seconds of that tree (polled per process) and of the
   stubs, against what the cores could give in the run's time (CPU seconds of other processes on the
   machine meanwhile are shown, as they disturb the figures).
2. Ray start-up. In a subprocess: `import ray, ray.data`, `ray.init(address="local",
   include_dashboard=False)` (as docvl calls it), a trivial `ray.data.from_items(...).map_batches(...)`
   through an actor pool of the size docvl uses (docvl's first job is one), the same as plain tasks (a
   second job), and `ray.shutdown()`, each timed, best of --repeat; and the whole process. Next to it,
   from 1: the Ray run's wall time minus the local run's, and its time before the first request and
   after the last answer minus the local run's.
3. Driver memory. `docvl extract` over --small (1,000) and --big (10,000) tiny one-page documents
   (bench/batch.py's make_docs: an invoice number and a total, sent as text), both runners, stubs at
   --mem-latency (10 ms), --mem-concurrency (64) in flight: peak RSS of the docvl process only (its
   VmHWM, read from /proc/PID/status while it runs; Ray's raylet, GCS and actors are processes of their
   own), its tree's peak RSS and PSS for scale, wall time, documents/s, and as in 1 the serving rate,
   the time before the first request and after the last answer, and the first record's. A driver's
   memory should be flat: the same at 10,000 documents as at 1,000.
   Documents for 1 and 3 are made once into bench/.cache/scale/ (gitignored).

Processes a docvl run (or the probe) started and that are still alive 5 s after it ended are reported,
and ended at the end, by pid. Prints figures only; nothing is asserted. A docvl run that fails is
reported with the tail of its stderr.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
from batch import REPLY, SCHEMA, make_docs  # noqa: E402
from throughput import (  # noqa: E402
    DOCVL,
    TreeRss,
    make_text_docs,
    plan_json,
    run_measured,
    startup_seconds,
    tail,
)

CACHE = HERE / ".cache" / "scale"
SERVERS = 2
RUNNERS = ("local", "ray")
LEFTOVERS: dict[int, str] = {}  # processes a run left behind: ended at the end


# the stubs, each in a process of its own ---------------------------------------------------------------


def _serve(conn, latency: float) -> None:
    """Child process: one stub on 127.0.0.1. Commands on ``conn``: ("stats",), ("stop",)."""
    import http.server

    from tests.vllm_stub import Scripted, StubServer, completion

    http.server.ThreadingHTTPServer.request_queue_size = 256  # many clients connecting at once
    http.server.BaseHTTPRequestHandler.protocol_version = "HTTP/1.1"  # keep-alive, as vLLM (uvicorn)
    fresh = {"requests": 0, "first": None, "last": None}
    state = dict(fresh)
    server = StubServer()
    body = completion(REPLY)

    def reply(_: dict) -> Scripted:  # called under the stub's lock
        server.requests.clear()  # keep no bodies: the stub's memory must not grow with the run
        server.headers.clear()
        now = time.time()  # wall clock: compared with the docvl process's start and end in this script
        state["requests"] += 1
        state["first"] = state["first"] or now
        state["last"] = now + latency  # when it will have answered
        return Scripted(body=body, delay=latency)

    server.default = reply
    conn.send(server.url)
    while True:
        command = conn.recv()
        if command[0] == "stats":
            with server._lock:
                conn.send({**state, "peak": server.max_in_flight, "cpu": time.process_time()})
                state.update(fresh)
                server.max_in_flight = server.in_flight
        else:
            server.close()
            conn.send("stopped")
            return


class Stubs:
    """``count`` stubs, each in a process of its own (throughput.Stub's idea, times two)."""

    def __init__(self, count: int, latency: float) -> None:
        self.latency = latency
        ctx = multiprocessing.get_context("spawn")
        self._conns, self._procs = [], []
        for _ in range(count):
            conn, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child, latency), daemon=True)
            proc.start()
            self._conns.append(conn)
            self._procs.append(proc)
        self.urls = [conn.recv() for conn in self._conns]

    def stats(self) -> list[dict]:
        """Per stub since the last call: requests, peak (most in flight at once), first (time.time() of the
        first request), last (of the last answer); and cpu, its CPU seconds so far."""
        out = []
        for conn in self._conns:
            conn.send(("stats",))
            out.append(conn.recv())
        return out

    def close(self) -> None:
        for conn in self._conns:
            try:
                conn.send(("stop",))
                conn.recv()
            except (OSError, EOFError):
                pass
        for proc in self._procs:
            proc.join(5)
            if proc.is_alive():
                proc.kill()


def bare_clients(urls: list[str], requests: int, concurrency: int) -> float:
    """Requests/s a client that does nothing else gets from the stubs: ``concurrency / len(urls)`` threads
    on each at once (batch.bare_client, over several servers), ``requests`` in all."""
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 8}
    share = max(1, concurrency // len(urls))
    limits = httpx.Limits(max_connections=share * 2, max_keepalive_connections=share * 2)
    clients = [httpx.Client(base_url=url, timeout=60, limits=limits) for url in urls]
    counts = [requests // len(urls) + (k < requests % len(urls)) for k in range(len(urls))]
    pools = [ThreadPoolExecutor(share) for _ in urls]
    try:
        for client in clients:  # reach each first, as docvl does (it asks /models)
            client.get("/models").raise_for_status()
        start = time.perf_counter()
        futures = [
            pool.submit(lambda c=client: c.post("/chat/completions", json=body).raise_for_status())
            for pool, client, n in zip(pools, clients, counts, strict=True)
            for _ in range(n)
        ]
        for future in futures:
            future.result()
        return requests / (time.perf_counter() - start)
    finally:
        for pool in pools:
            pool.shutdown()
        for client in clients:
            client.close()


# documents ---------------------------------------------------------------------------------------------


def cached(kind: str, count: int) -> Path:
    """A folder of ``count`` documents in bench/.cache/scale/, made once: "text" (throughput's one-page
    prose) or "tiny" (batch's one-page invoice lines)."""
    folder = CACHE / f"{kind}-{count}"
    if folder.is_dir():
        return folder
    t = time.perf_counter()
    part = CACHE / f"{kind}-{count}.part"
    part.mkdir(parents=True, exist_ok=True)
    if kind == "text":
        for old in part.glob("*.pdf"):  # make_text_docs does not skip what an interrupted run made
            old.unlink()
        make_text_docs(part, count)
    else:
        make_docs(part, count)  # skips what an interrupted run made
    part.rename(folder)
    print(f"   (made {count:,} {kind} documents into {folder.relative_to(REPO)} in {time.perf_counter() - t:.0f} s)")
    return folder


def first_plan(folder: Path) -> str:
    plan = plan_json(min(folder.glob("*.pdf")))
    return ", ".join(p["mode"] for p in plan["pages"]) if plan else "unknown"


# running docvl -----------------------------------------------------------------------------------------


class Descendants:
    """Every process started under ``pid`` while it runs (polled every 0.2 s), with its CPU seconds as last
    seen: the tree's CPU (Ray's processes are not all waited for, so wait4's rusage misses them), and
    the processes that outlive it, only these (never one that merely looks like Ray: another Ray job on
    this machine is none of this script's business)."""

    def __init__(self, pid: int) -> None:
        self.seen: dict[tuple[int, float], str] = {}
        self.cpu: dict[tuple[int, float], float] = {}
        self._root = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self._root, *self._root.children(recursive=True)]
            except psutil.Error:
                return
            for proc in procs:
                try:
                    key = (proc.pid, proc.create_time())
                    if key not in self.seen:
                        self.seen[key] = proc.name()
                    t = proc.cpu_times()
                    self.cpu[key] = t.user + t.system
                except psutil.Error:
                    pass
            self._stop.wait(0.2)

    def stop(self) -> float:
        """The tree's CPU seconds (call before the root is reaped)."""
        self._stop.set()
        self._thread.join()
        return sum(self.cpu.values())

    def left_behind(self, wait: float = 5.0) -> dict[int, str]:
        """The descendants still alive after up to ``wait`` seconds (call once the root has exited)."""
        self._stop.set()
        deadline = time.monotonic() + wait
        while True:
            alive = {}
            for (pid, created), name in self.seen.items():
                if pid == self._root.pid:
                    continue
                try:
                    proc = psutil.Process(pid)
                    if proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE:
                        alive[pid] = f"{name}: {' '.join(proc.cmdline())[:110]}"
                except psutil.Error:
                    pass
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.25)


def report_left(left: dict[int, str], what: str) -> None:
    LEFTOVERS.update(left)
    if left:
        print(f"   !! {len(left)} process(es) started by {what} still alive 5 s after it ended:")
        for pid, line in left.items():
            print(f"      {pid} {line}")


def end_leftovers() -> None:
    alive = []
    for pid in LEFTOVERS:
        try:
            os.kill(pid, signal.SIGTERM)
            alive.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    for pid in alive:
        try:
            psutil.Process(pid).wait(max(0.1, deadline - time.monotonic()))
        except psutil.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
        except psutil.Error:
            pass
    if alive:
        print(f"(ended {len(alive)} process(es) left behind: {', '.join(map(str, alive))})")


def cpu_seconds() -> float:
    """The machine's busy CPU seconds so far (every process)."""
    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))


class OutputWatch:
    """When the records reach the output (docvl appends each JSONL line as the driver journals it, then
    rewrites the file whole in input order at the end), polled every 0.25 s: ``first``, seconds from the
    start to the first line; ``gap``, the longest time between one line and the next (how coarsely the
    driver gets its results)."""

    def __init__(self, path: Path) -> None:
        self.path, self.first, self.gap, self.lines = path, None, 0.0, 0
        self._start = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        handle, inode, last = None, None, 0.0
        while not self._stop.wait(0.25):
            try:
                if handle is None:
                    handle = open(self.path, "rb")  # noqa: SIM115 (kept open across polls)
                    inode = os.fstat(handle.fileno()).st_ino
                elif os.stat(self.path).st_ino != inode:
                    if self.lines:
                        break  # rewritten whole at the end
                    handle.close()  # started afresh before its first line (write_atomic)
                    handle = open(self.path, "rb")  # noqa: SIM115
                    inode = os.fstat(handle.fileno()).st_ino
                new = handle.read().count(b"\n")
            except OSError:
                continue
            if new:
                now = time.perf_counter() - self._start
                if self.first is None:
                    self.first = now
                else:
                    self.gap = max(self.gap, now - last)
                last = now
                self.lines += new
        if handle is not None:
            handle.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_tracked(args: list[str], log: Path, out: Path | None = None) -> dict:
    """throughput.run_measured's figures (peak memory by throughput.TreeRss); ``tree_cpu``, the CPU
    seconds of the command and its descendants; ``left``, the processes it started that outlive it;
    ``t0`` / ``t1``, its start and end by the wall clock."""
    t0, start = time.time(), time.perf_counter()
    with open(log, "wb") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        tree, under = TreeRss(proc.pid), Descendants(proc.pid)
        watch = OutputWatch(out) if out is not None else None
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # the pollers read /proc/PID: reap it after
        if watch is not None:
            watch.stop()
        peak, rss, pss, child = tree.stop()
        tree_cpu = under.stop()
        _, status, usage = os.wait4(proc.pid, 0)
    seconds, t1 = time.perf_counter() - start, time.time()
    return {
        "seconds": seconds,
        "t0": t0,
        "t1": t1,
        "code": os.waitstatus_to_exitcode(status),
        "rss": peak,
        "tree": max(rss, peak),
        "pss": pss,
        "child": child,
        "cpu": usage.ru_utime + usage.ru_stime,
        "tree_cpu": max(tree_cpu, usage.ru_utime + usage.ru_stime),
        "stderr": log.read_text(errors="replace"),
        "left": under.left_behind(),
        "first_record": watch.first if watch is not None else None,
        "gap": watch.gap if watch is not None else None,
    }


def extract(folder: Path, count: int, runner: str, args, schema: Path, stubs: Stubs, conc: int, tmp: Path) -> dict:
    """One `docvl extract` run, measured: run_tracked's figures, the records, what the stubs saw."""
    label = f"{runner}-{folder.name}-{conc}"
    out = tmp / f"{label}.jsonl"
    cmd = [str(DOCVL), "extract", str(folder), "--schema", str(schema)]
    for url in stubs.urls:
        cmd += ["--server", url]
    cmd += ["--concurrency", str(conc), "-o", str(out), "--quiet", "--force"]
    if runner == "ray":
        cmd += ["--runner", "ray"]
    if args.workers is not None:
        cmd += ["--workers", str(args.workers)]
    before = stubs.stats()
    machine = cpu_seconds()
    run = run_tracked(cmd, tmp / f"{label}.err", out)
    machine = cpu_seconds() - machine
    seen = stubs.stats()
    stub_cpu = sum(a["cpu"] - b["cpu"] for a, b in zip(seen, before, strict=True))
    run.update(cmd=cmd, count=count, conc=conc, runner=runner, stub_cpu=stub_cpu)
    run["others_cpu"] = max(0.0, machine - run["tree_cpu"] - stub_cpu)
    run["requests"] = [s["requests"] for s in seen]
    run["peaks"] = [s["peak"] for s in seen]
    firsts = [s["first"] for s in seen if s["first"]]
    lasts = [s["last"] for s in seen if s["last"]]
    if firsts:
        run["before"] = min(firsts) - run["t0"]  # start-up: docvl's, and Ray's under --runner ray
        run["after"] = max(0.0, run["t1"] - max(lasts))  # writing out, shutdown
        run["serving"] = max(lasts) - min(firsts)
        run["mean"] = sum(run["requests"]) * stubs.latency / run["serving"]
    lines = out.read_text().splitlines() if out.exists() else []
    run["records"] = len(lines)
    run["ok"] = sum(1 for line in lines if json.loads(line).get("_status") == "ok")
    run["failed"] = run["code"] != 0 or run["ok"] != count or run["records"] != count
    if run["failed"]:
        print(f"   !! {runner} runner, {count:,} documents: exit {run['code']}, {run['records']} records, "
              f"{run['ok']} ok; docvl stderr:\n{tail(run['stderr'])}")  # fmt: skip
    report_left(run["left"], f"the {runner} run")
    out.unlink(missing_ok=True)
    return run


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}s"


def first_record(run: dict) -> float | None:
    """Seconds from the first request a stub received to the first record in the output."""
    if run.get("first_record") is None or "before" not in run:
        return None
    return run["first_record"] - run["before"]


def command_line(cmd: list[str], tmp: Path) -> str:
    return " ".join(str(c).replace(str(tmp), "$TMP").replace(str(REPO) + "/", "") for c in cmd)


# 1. throughput -----------------------------------------------------------------------------------------


def throughput(args, tmp: Path, schema: Path, startup: float) -> dict[int, dict[str, dict]]:
    folder = cached("text", args.docs)
    actors = args.workers or os.cpu_count() or 1
    print(f"== 1. throughput: {args.docs:,} one-page prose documents (docvl plan: {first_plan(folder)}), "
          f"{SERVERS} stubs x {args.latency * 1000:.0f} ms (own processes); runners local and ray (ray: "
          f"{actors} actor(s){'' if args.workers else ', one per CPU'}, ceil(conc / {actors}) in flight each), "
          f"best of {args.repeat}")  # fmt: skip
    print(f"   docvl start-up (docvl --version, best of 3): {startup:.2f} s")
    stubs = Stubs(SERVERS, args.latency)
    best: dict[int, dict[str, dict]] = {}
    bares: dict[int, float] = {}
    try:
        for conc in args.concurrency:
            bares[conc] = bare_clients(stubs.urls, args.docs, conc)
            best[conc] = {}
            for _ in range(args.repeat):
                for runner in RUNNERS:
                    run = extract(folder, args.docs, runner, args, schema, stubs, conc, tmp)
                    kept = best[conc].get(runner)
                    if kept is None or (run["code"] == 0, -run["seconds"]) > (kept["code"] == 0, -kept["seconds"]):
                        best[conc][runner] = run
            for runner in RUNNERS:
                print(f"   $ {command_line(best[conc][runner]['cmd'], tmp)}")
    finally:
        stubs.close()
    cores = os.cpu_count() or 1
    print()
    print(f"{'runner':<7}{'conc':>5}{'docs':>6}{'limit':>7}{'bare':>7}{'s':>7}{'docs/s':>8}{'-start':>8}{'/limit':>7}"
          f"{'/bare':>7}{'serving s':>11}{'docs/s':>8}{'/limit':>7}{'/bare':>7}")  # fmt: skip
    for conc, runs in best.items():
        limit, bare = SERVERS * (conc / SERVERS) / args.latency, bares[conc]
        for runner, run in runs.items():
            head = f"{runner:<7}{conc:>5}{args.docs:>6}{limit:>7.0f}{bare:>7.1f}{run['seconds']:>7.1f}"
            if run["failed"] or "serving" not in run:
                print(f"{head}   failed (exit {run['code']}, {run['ok']} ok), above")
                continue
            steady = args.docs / max(run["seconds"] - startup, 1e-3)
            served = args.docs / run["serving"]
            print(f"{head}{args.docs / run['seconds']:>8.1f}{steady:>8.1f}{steady / limit:>7.2f}{steady / bare:>7.2f}"
                  f"{run['serving']:>11.2f}{served:>8.1f}{served / limit:>7.2f}{served / bare:>7.2f}")  # fmt: skip
    print(f"limit: the servers' limit, {SERVERS} servers x (conc / {SERVERS} in flight each) / {args.latency:g} s,")
    print("requests/s = documents/s (one request a document); bare: a bare httpx client's requests/s, conc /")
    print(f"{SERVERS} threads on each stub at once; s, docs/s: the whole docvl run; -start: without docvl's process")
    print("start-up (Ray's stays in); serving s: from the first request a stub received to the last answer one")
    print("sent; docs/s: over that time.")
    print()
    print(f"{'runner':<7}{'conc':>5}{'ok':>6}{'requests':>11}{'peak':>7}{'mean':>6}{'before':>8}{'after':>7}"
          f"{'1st rec':>8}{'gap':>6}{'RSS':>7}{'tree':>8}{'CPU s':>7}{'stubs':>7}{'busy':>6}{'others':>8}")  # fmt: skip
    for conc, runs in best.items():
        for runner, run in runs.items():
            if "serving" not in run:
                continue
            busy = (run["tree_cpu"] + run["stub_cpu"]) / (cores * run["seconds"]) * 100
            print(f"{runner:<7}{conc:>5}{run['ok']:>6}{'+'.join(map(str, run['requests'])):>11}"
                  f"{'+'.join(map(str, run['peaks'])):>7}{run['mean']:>6.1f}{run['before']:>7.2f}s{run['after']:>6.2f}s"
                  f"{seconds(first_record(run)):>8}{seconds(run['gap']):>6}{run['rss']:>5.0f}MB{run['tree']:>6.0f}MB{run['tree_cpu']:>7.1f}{run['stub_cpu']:>7.1f}{busy:>5.0f}%"
                  f"{run['others_cpu']:>7.1f}s")  # fmt: skip
    print("ok: records with _status ok; requests, peak: chat completions each stub received and the most it had")
    print("in flight at once; mean: in flight on average while serving (requests x latency / serving s);")
    print("before / after: the docvl run's time before the first request (start-up) and after the last answer")
    print("(output, shutdown); 1st rec: the first record in the output file, after the first request; gap: the")
    print("longest time between a record and the next (how coarsely the driver gets its results); RSS: the docvl")
    print("process's peak (VmHWM); tree: peak summed RSS of it and its descendants (Ray's processes); CPU s:")
    print(f"user + system of that tree; stubs: of the two stub processes; busy: both over {cores} cores x the run's")
    print("wall time; others: CPU seconds of every other process on the machine meanwhile.")
    return best


# 2. Ray start-up ---------------------------------------------------------------------------------------

PROBE = r"""
import json, logging, sys, time
t0 = time.perf_counter()
import ray, ray.data
t1 = time.perf_counter()
ray.init(address="local", include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
t2 = time.perf_counter()
ctx = ray.data.DataContext.get_current()
ctx.enable_progress_bars = False
ctx.print_on_execution_start = False
ctx.execution_options.preserve_order = True
actors = int(sys.argv[1]) or max(1, int(ray.cluster_resources().get("CPU", 1)))
items = [{"index": i, "path": f"/x/{i}.pdf"} for i in range(64)]
class Echo:
    def __call__(self, batch):
        return batch
m = sum(1 for _ in ray.data.from_items(items, override_num_blocks=actors * 4).map_batches(
    Echo, batch_size=8, compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=1).iter_rows())
t3 = time.perf_counter()
n = sum(1 for _ in ray.data.from_items(items).map_batches(lambda b: b, batch_size=8).iter_rows())
t4 = time.perf_counter()
ray.shutdown()
t5 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "init": t2 - t1, "actors": t3 - t2, "tasks": t4 - t3,
                  "shutdown": t5 - t4, "rows": [m, n], "n_actors": actors}))
"""


def ray_startup(args, results: dict[int, dict[str, dict]]) -> None:
    print(f"== 2. Ray start-up: a subprocess, best of {args.repeat}: import ray; ray.init(address='local', "
          f"include_dashboard=False); a trivial map_batches over 64 rows through an actor pool (docvl's first "
          f"job is one); again as plain tasks; ray.shutdown()")  # fmt: skip
    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", PROBE, str(args.workers or 0)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        under = Descendants(proc.pid)
        stdout, stderr = proc.communicate(timeout=300)
        whole = time.perf_counter() - start
        under.stop()
        report_left(under.left_behind(), "the probe")
        if proc.returncode != 0:
            print(f"   !! the probe failed (exit {proc.returncode}):\n{tail(stderr)}")
            return
        runs.append({**json.loads(stdout.strip().splitlines()[-1]), "process": whole})
    best = min(runs, key=lambda r: r["process"])
    adds = best["init"] + best["actors"] + best["shutdown"]
    print(f"   import ray, ray.data {best['import']:.2f} s; ray.init {best['init']:.2f} s; first job, a pool of "
          f"{best['n_actors']} actor(s): {best['actors']:.2f} s; a second job, as tasks: {best['tasks']:.2f} s; "
          f"ray.shutdown {best['shutdown']:.2f} s")  # fmt: skip
    print(f"   whole process (python start-up included): {best['process']:.2f} s; ray.init + the actor pool's "
          f"first job + shutdown: {adds:.2f} s (import ray on top: {adds + best['import']:.2f} s)")  # fmt: skip
    for conc, pair in results.items():
        local, ray_run = pair.get("local"), pair.get("ray")
        if not local or not ray_run or "serving" not in local or "serving" not in ray_run:
            continue
        print(f"   in docvl's runs (1, concurrency {conc}): Ray run {ray_run['seconds']:.1f} s - local run "
              f"{local['seconds']:.1f} s = {ray_run['seconds'] - local['seconds']:+.1f} s; before the first request "
              f"{ray_run['before']:.2f} s - {local['before']:.2f} s = {ray_run['before'] - local['before']:+.2f} s; "
              f"after the last answer {ray_run['after']:.2f} s - {local['after']:.2f} s = "
              f"{ray_run['after'] - local['after']:+.2f} s")  # fmt: skip


# 3. driver memory --------------------------------------------------------------------------------------


def memory(args, tmp: Path, schema: Path) -> None:
    counts = sorted({args.small, args.big})
    conc = args.mem_concurrency
    print(f"== 3. driver peak RSS: {' and '.join(f'{c:,}' for c in counts)} tiny one-page documents, {SERVERS} "
          f"stubs x {args.mem_latency * 1000:.0f} ms, concurrency {conc}")  # fmt: skip
    base = run_measured([str(DOCVL), "--version"], tmp / "version.err")
    print(f"   docvl --version (imports only): {base['rss']:.0f} MB peak RSS")
    folders = {count: cached("tiny", count) for count in counts}
    print(f"   docvl plan of one: {first_plan(folders[counts[0]])}")
    stubs = Stubs(SERVERS, args.mem_latency)
    rows = []
    try:
        for count in counts:
            for runner in RUNNERS:
                run = extract(folders[count], count, runner, args, schema, stubs, conc, tmp)
                rows.append(run)
                if count == counts[0]:
                    print(f"   $ {command_line(run['cmd'], tmp)}")
                print(f"   ({runner}, {count:,}: {run['seconds']:.0f} s)", flush=True)
    finally:
        stubs.close()
    print()
    print(f"{'runner':<7}{'docs':>7}{'s':>8}{'docs/s':>8}{'serving':>9}{'ok':>7}{'requests':>12}{'before':>8}"
          f"{'after':>7}{'1st rec':>9}{'driver RSS':>12}{'tree RSS':>10}{'tree PSS':>10}{'others':>8}")  # fmt: skip
    peak: dict[tuple[str, int], float] = {}
    for run in rows:
        runner, count = run["runner"], run["count"]
        head = f"{runner:<7}{count:>7}{run['seconds']:>8.1f}"
        if run["code"] != 0 or "serving" not in run:
            print(f"{head}   failed (exit {run['code']}), above")
            continue
        peak[(runner, count)] = run["rss"]
        print(f"{head}{count / run['seconds']:>8.1f}{count / run['serving']:>9.1f}{run['ok']:>7}"
              f"{'+'.join(map(str, run['requests'])):>12}{seconds(run['before']):>8}{seconds(run['after']):>7}"
              f"{seconds(first_record(run)):>9}"
              f"{run['rss']:>10.0f}MB{run['tree']:>8.0f}MB{run['pss']:>8.0f}MB"
              f"{run['others_cpu']:>7.0f}s")  # fmt: skip
    for runner in RUNNERS:
        small, big = peak.get((runner, counts[0])), peak.get((runner, counts[-1]))
        if small is not None and big is not None and len(counts) > 1:
            print(f"   {runner}: driver peak RSS at {counts[-1]:,} vs {counts[0]:,} documents: {big - small:+.1f} MB "
                  f"({(big - small) / (counts[-1] - counts[0]) * 1024:+.2f} KB a document)")  # fmt: skip
    print("docs/s: the whole run; serving: docs/s over the time from the first request to the last answer;")
    print("before / after: the run's time before the first request and after the last answer; 1st rec: the first")
    print("record in the output, after the first request; driver RSS: the docvl process's own peak (VmHWM); tree:")
    print("peak summed RSS / PSS of it and its descendants (local: its worker processes; ray: raylet, GCS, actors")
    print("and Ray's other processes); others: CPU seconds of processes not this run's meanwhile.")


def versions() -> str:
    try:
        import ray

        ray_version = ray.__version__
    except ImportError:
        ray_version = "not installed"
    done = subprocess.run([str(DOCVL), "--version"], capture_output=True, text=True)
    return (
        f"Python {platform.python_version()}, Ray {ray_version}, {done.stdout.strip() or 'docvl ?'}, "
        f"httpx {httpx.__version__}, psutil {psutil.__version__}; {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.system()} {platform.release()}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=400, help="documents for the throughput runs")
    ap.add_argument("--latency", type=float, default=0.2, help="stub seconds per request (throughput)")
    ap.add_argument("--concurrency", default="16", help="total in flight, comma-separated list (throughput)")
    ap.add_argument("--workers", type=int, default=None, help="pass --workers N to docvl (ray: its actors)")
    ap.add_argument("--repeat", type=int, default=None, help="throughput and Ray probe: best of (default 2; --quick 1)")
    ap.add_argument("--small", type=int, default=1000, help="documents of the smaller memory run")
    ap.add_argument("--big", type=int, default=10000, help="documents of the larger memory run")
    ap.add_argument("--mem-latency", type=float, default=0.01, help="stub seconds per request (memory)")
    ap.add_argument("--mem-concurrency", type=int, default=64, help="total in flight (memory)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-startup", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--quick", action="store_true", help="small counts (48 / 100 / 400 documents), for a smoke run")
    args = ap.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    if args.quick:
        for name, small in (("docs", 48), ("small", 100), ("big", 400)):
            if getattr(args, name) == ap.get_default(name):
                setattr(args, name, small)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 2
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage-stats thread in docvl's Ray or the probe
    print(versions())
    started = time.perf_counter()
    results: dict[int, dict[str, dict]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="docvl-scale-") as name:
            tmp = Path(name)
            schema = tmp / "schema.json"
            schema.write_text(json.dumps(SCHEMA))
            startup = startup_seconds()
            sections = [
                ("throughput", args.skip_throughput, lambda: results.update(throughput(args, tmp, schema, startup))),
                ("ray start-up", args.skip_startup, lambda: ray_startup(args, results)),
                ("memory", args.skip_memory, lambda: memory(args, tmp, schema)),
            ]
            for label, skip, section in sections:
                if skip:
                    continue
                t = time.perf_counter()
                try:
                    section()
                except Exception as exc:  # docvl may be changing under us: say so, go on
                    print(f"!! {label} section failed: {type(exc).__name__}: {exc}")
                print(f"   ({label}: {time.perf_counter() - t:.0f} s)\n", flush=True)
    finally:
        end_leftovers()
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
