"""Batch throughput against its two ceilings, peak memory, render overhead and plan memory, in one run.

    python bench/throughput.py [--docs 400] [--latency 0.2] [--concurrency 8,32,64]
                               [--kinds image,multi,text] [--workers N] [--skip-render] [--skip-plan] [--quick]

1. Throughput. `docvl extract` (a subprocess, one small JSON schema) over three kinds of generated
   documents: one-page documents whose page is a photo (sent as an image), 4-page invoices with text, a
   ruled table and a logo (every page sent as an image; --docs / 4 of them) and one-page prose (sent as
   text), each at every --concurrency. The server is the vLLM stub of the tests (tests/vllm_stub.py) in
   a process of its own on 127.0.0.1, answering every request after --latency seconds. Each run's
   documents/s is set against two ceilings measured in the same run:
   - bare: a bare httpx client sending the same number of chat completions (small bodies) at the same
     concurrency to the same stub (no documents, no docvl): requests/s;
   - CPU: the least work any tool must do per page on one core, times the workers (--workers, else
     os.cpu_count()): raw PyMuPDF get_pixmap at the planned grid size + a JPEG encode with docvl's
     settings for pages sent as images, open + get_text for pages sent as text.
   The ratios use documents/s without process start-up (`docvl --version`), as the bare client has none.
   Per kind, docvl's own stages (load, page analysis, plan, draw + encode) are also timed in-process on
   a few documents. Per run: CPU seconds of docvl and of the stub; peak RSS of the docvl process (its
   VmHWM; wait4's ru_maxrss would start from this script's RSS), of its largest worker, and of the
   whole process tree, summed RSS and PSS (psutil, polled every 50 ms).
2. Render. docvl load + plan + render (in-process, no encoding, 1 process) against raw get_pixmap of
   the same pixels (grid image and thumbnail of each page drawn), on born-digital pages (the corpus's
   three long documents) and scanned ones (the corpus scan): without page analysis (no text layer
   read: every page an image), with it but every page an image (--page-mode image), and as `docvl
   render` runs (--page-mode auto: all-text pages are not drawn; the raw side then draws only the pages
   docvl draws). Best of --repeat.
3. Plan memory. Peak RSS of `docvl plan FILE` on 100, 500 and 1,500 scanned pages (full-page JPEG scans
   from the corpus, repeated). Documents for 2 and 3 are built once into bench/.cache/throughput/.

Prints figures only; nothing is asserted. A docvl run that fails is reported with the tail of its stderr.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pymupdf
from PIL import Image

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))
from _docs import CACHE, corpus  # noqa: E402
from batch import REPLY, SCHEMA, bare_client  # noqa: E402

DOCVL = REPO / ".venv" / "bin" / "docvl"
TILE = 512  # the profile's tile size (nemotron-nano-v2-vl); the plan's cols/rows are in tiles
JPEG = {"format": "JPEG", "quality": 90, "subsampling": 0}  # docvl.render.base.ENCODINGS["jpeg"]
KINDS = ("image", "multi", "text")
KIND_LABEL = {"image": "image pages", "multi": "4-page invoices", "text": "text pages"}
CLAUSE = (
    "the supplier shall deliver goods described in each order within thirty days of its date and the buyer "
    "shall pay every invoice in full within the agreed period unless a written notice of dispute names the "
    "items concerned and gives the reasons for it while any amount not disputed remains payable as agreed "
    "all notices under this agreement must be in writing and sent to the addresses set out above"
)
WORDS = CLAUSE.split()


def _docvl_defaults() -> None:
    """Use docvl's own JPEG settings when the module still has them (it may be changing under us)."""
    global JPEG, TILE
    try:
        from docvl.profiles import get_profile
        from docvl.render.base import ENCODINGS

        JPEG = dict(ENCODINGS["jpeg"])
        TILE = get_profile().tile_size
    except Exception as exc:  # a figure from the fallbacks is still a figure
        print(f"(docvl's encode settings not importable, using {JPEG}, tile {TILE}: {exc})")


# documents --------------------------------------------------------------------------------------------


def photo(seed: int, size: tuple[int, int] = (1000, 1300)) -> bytes:
    """A photo-like JPEG: smooth colour fields, soft shapes and a little grain (noise alone would be
    an unrealistically large file)."""
    rng = np.random.default_rng(seed)
    w, h = size
    low = Image.fromarray(rng.integers(0, 255, (9, 7, 3), dtype=np.uint8), "RGB").resize((w, h), Image.BICUBIC)
    mid = Image.fromarray(rng.integers(0, 255, (60, 46, 3), dtype=np.uint8), "RGB").resize((w, h), Image.BICUBIC)
    base = Image.blend(low, mid, 0.25)
    grain = rng.normal(0, 6, (h, w, 1))
    pixels = np.clip(np.asarray(base, dtype=np.float32) + grain, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, format="JPEG", quality=85)
    return out.getvalue()


def prose(n: int, words: int) -> str:
    rng = np.random.default_rng(n)
    picked = [WORDS[i] for i in rng.integers(0, len(WORDS), words)]
    sentences, k = [], 0
    while k < len(picked):
        length = int(rng.integers(8, 20))
        sentence = " ".join(picked[k : k + length])
        sentences.append(sentence[:1].upper() + sentence[1:] + ".")
        k += length
    return " ".join(sentences)


def make_image_docs(folder: Path, count: int) -> list[Path]:
    """One-page documents: a title line and a photo over most of the page."""
    photos = [photo(seed) for seed in range(8)]
    paths = []
    for n in range(count):
        doc = pymupdf.open()
        page = doc.new_page(width=595, height=842)
        page.insert_text((50, 60), f"Site inspection {n:05d}: photo 1 of 1", fontsize=14)
        page.insert_image(pymupdf.Rect(50, 90, 545, 750), stream=photos[n % len(photos)])
        page.insert_text((50, 780), f"Taken 2024-03-{n % 28 + 1:02d}, reference INV-{n:05d}", fontsize=10)
        path = folder / f"photo-{n:05d}.pdf"
        doc.save(path, deflate=True)
        doc.close()
        paths.append(path)
    return paths


def make_multi_docs(folder: Path, count: int) -> list[Path]:
    """4-page invoices: a logo, addresses and a ruled table of items running over every page."""
    logo = photo(99, (300, 300))
    paths = []
    for n in range(count):
        doc = pymupdf.open()
        item = 0
        for p in range(4):
            page = doc.new_page(width=595, height=842)
            y = 60
            if p == 0:
                page.insert_image(pymupdf.Rect(420, 40, 545, 165), stream=logo)
                page.insert_text((50, y), f"INVOICE INV-{n:05d}", fontsize=18)
                for line in ("Nordavik Supplies AS", "Havnegata 12, 7010 Trondheim", "VAT NO 987 654 321"):
                    y += 18
                    page.insert_text((50, y), line, fontsize=10)
                y = 190
                page.insert_textbox(pymupdf.Rect(50, y, 400, y + 60), prose(n, 40), fontsize=9)
                y += 80
            else:
                page.insert_text((50, y), f"INV-{n:05d} (continued), page {p + 1} of 4", fontsize=11)
                y += 30
            cols = (50, 90, 330, 400, 470, 545)
            header = ("No", "Description", "Qty", "Unit", "Amount")
            rows = 22 if p else 16
            for r in range(rows + 1):
                top = y + r * 22
                page.draw_line((cols[0], top), (cols[-1], top), width=0.6)
                cells = header if r == 0 else (str(item + 1), prose(n * 100 + item, 5)[:38], str(item % 9 + 1),
                                               f"{(item * 37) % 500 + 10}.00", f"{(item * 37) % 500 * (item % 9 + 1) + 10}.00")  # fmt: skip
                for x, text in zip(cols, cells, strict=False):
                    page.insert_text((x + 4, top + 15), text, fontsize=9)
                item += r > 0
            bottom = y + (rows + 1) * 22
            page.draw_line((cols[0], bottom), (cols[-1], bottom), width=0.6)
            for x in cols:
                page.draw_line((x, y), (x, bottom), width=0.6)
            if p == 3:
                page.insert_text((330, bottom + 30), f"Total due: {n % 997}.50 EUR", fontsize=12)
        path = folder / f"invoice-{n:05d}.pdf"
        doc.save(path, deflate=True)
        doc.close()
        paths.append(path)
    return paths


def make_text_docs(folder: Path, count: int) -> list[Path]:
    """One-page documents of prose only: a heading and paragraphs."""
    paths = []
    for n in range(count):
        doc = pymupdf.open()
        page = doc.new_page(width=595, height=842)
        page.insert_text((50, 70), f"Letter of agreement {n:05d}", fontsize=16)
        y = 100
        for k in range(5):
            page.insert_textbox(pymupdf.Rect(50, y, 545, y + 130), prose(n * 10 + k, 90), fontsize=10)
            y += 140
        path = folder / f"letter-{n:05d}.pdf"
        doc.save(path, deflate=True)
        doc.close()
        paths.append(path)
    return paths


MAKERS = {"image": make_image_docs, "multi": make_multi_docs, "text": make_text_docs}


def born_digital_mix(pages: int) -> Path:
    """Born-digital pages from each of the corpus's three long documents in turn (a report with charts, a
    manual with figures, a contract), the first pages of each, a third of them from each."""
    target = CACHE / "throughput" / f"born_digital_{pages}.pdf"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    names = ["nordavik_annual_report_2023.pdf", "vireo_x4_service_manual.pdf", "msa_halvorsen_brightwater.pdf"]
    out = pymupdf.open()
    for k, name in enumerate(names):
        with pymupdf.open(corpus() / "longdoc" / name) as src:
            share = pages // len(names) + (k < pages % len(names))
            out.insert_pdf(src, to_page=min(share, src.page_count) - 1)
    out.save(target, garbage=3, deflate=True)
    out.close()
    return target


def scanned_pages(pages: int) -> Path:
    """Image-only pages (the corpus's 150 dpi greyscale JPEG scans), repeated as distinct objects, as a
    real long scan would be (one image stream per page)."""
    target = CACHE / "throughput" / f"scanned_{pages}.pdf"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with pymupdf.open(corpus() / "longdoc" / "msa_halvorsen_brightwater_scanned.pdf") as src:
        out = pymupdf.open()
        while out.page_count < pages:
            out.insert_pdf(src, to_page=min(src.page_count, pages - out.page_count) - 1)
    partial = target.with_suffix(".part")
    out.save(partial)
    out.close()
    partial.rename(target)
    return target


# the stub server, in a process of its own ----------------------------------------------------------


def _serve(conn, latency: float) -> None:
    """Child process: the stub on 127.0.0.1. Commands on ``conn``: ("latency", s), ("stats",), ("stop",)."""
    import http.server

    from tests.vllm_stub import Scripted, StubServer, completion

    http.server.ThreadingHTTPServer.request_queue_size = 256  # 64 clients connecting at once, HTTP/1.0
    state = {"latency": latency, "requests": 0, "images": 0}
    server = StubServer()

    def reply(body: dict) -> Scripted:  # called under the stub's lock
        server.requests.clear()  # keep no bodies: the stub's memory must not grow with the run
        server.headers.clear()
        state["requests"] += 1
        for message in body.get("messages", ()):
            content = message.get("content")
            if isinstance(content, list):
                state["images"] += sum(1 for part in content if part.get("type") == "image_url")
        return Scripted(body=completion(REPLY), delay=state["latency"])

    server.default = reply
    conn.send(server.url)
    while True:
        command = conn.recv()
        if command[0] == "latency":
            state["latency"] = command[1]
        elif command[0] == "stats":
            with server._lock:
                conn.send((state["requests"], state["images"], time.process_time()))
                state["requests"] = state["images"] = 0
        else:
            server.close()
            conn.send("stopped")
            return


class Stub:
    def __init__(self, latency: float) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, latency), daemon=True)
        self._proc.start()
        self.url = self._conn.recv()

    def stats(self) -> tuple[int, int, float]:
        """(chat completions, page images in them) since the last call, and the stub's CPU seconds so far."""
        self._conn.send(("stats",))
        return self._conn.recv()

    def close(self) -> None:
        try:
            self._conn.send(("stop",))
            self._conn.recv()
        finally:
            self._proc.join(5)


# measuring ---------------------------------------------------------------------------------------------


def _status_kb(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


class TreeRss:
    """Peak memory of a process and its descendants, polled every 50 ms: the process's own peak RSS
    (VmHWM: exact, kept by the kernel since its exec; wait4's ru_maxrss is not, it starts from the RSS of
    the forking parent), the peak summed RSS of the whole tree (forked workers share pages with their parent,
    counted in each) and the peak summed PSS (shared pages split between the processes sharing them; every
    4th poll, smaps is slower to read)."""

    def __init__(self, pid: int) -> None:
        self.hwm = self.rss = self.pss = self.child = 0
        self.pid = pid
        self._root = psutil.Process(pid)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        tick = 0
        while not self._stop.is_set():
            try:
                self.hwm = max(self.hwm, _status_kb(self.pid, "VmHWM:") * 1024)
                procs = [self._root, *self._root.children(recursive=True)]
            except (OSError, psutil.Error):
                return
            rss = pss = 0
            for p in procs:
                try:
                    if tick % 4 == 0:
                        full = p.memory_full_info()
                        rss, pss = rss + full.rss, pss + full.pss
                    else:
                        full = p.memory_info()
                        rss += full.rss
                    if p is not self._root:
                        self.child = max(self.child, full.rss)
                except psutil.Error:
                    pass
            self.rss = max(self.rss, rss)
            if tick % 4 == 0:
                self.pss = max(self.pss, pss)
            tick += 1
            self._stop.wait(0.05)

    def stop(self) -> tuple[float, float, float, float]:
        """(process peak, tree RSS peak, tree PSS peak, largest child's RSS peak), MB."""
        self._stop.set()
        self._thread.join()
        return self.hwm / 2**20, self.rss / 2**20, self.pss / 2**20, self.child / 2**20


def run_measured(args: list[str], log: Path) -> dict:
    """Run a command: seconds, exit code, CPU seconds, peak memory MB (TreeRss), its stderr."""
    start = time.perf_counter()
    with open(log, "wb") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        tree = TreeRss(proc.pid)
        # the poller reads /proc/PID while the process is a zombie: reap it only once the poller is done
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
        peak, rss, pss, child = tree.stop()
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": seconds,
        "code": proc.returncode,
        "rss": peak,
        "tree": max(rss, peak),
        "pss": pss,
        "child": child,
        "cpu": usage.ru_utime + usage.ru_stime,  # the process and the children it waited for
        "stderr": log.read_text(errors="replace"),
    }


def tail(text: str, lines: int = 12) -> str:
    return "\n".join("      | " + line for line in text.strip().splitlines()[-lines:])


def plan_json(path: Path) -> dict | None:
    done = subprocess.run([str(DOCVL), "plan", str(path), "--json"], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  docvl plan {path.name} failed (exit {done.returncode}):\n{tail(done.stderr)}")
        return None
    return json.loads(done.stdout)["documents"][0]["plan"]


def raw_rate(paths: list[Path], pages: list[dict], budget: float) -> tuple[float, int]:
    """Pages/s on one core of the least work that yields what docvl sends: get_pixmap at the planned grid
    size + a JPEG encode (docvl's settings) for an image page, open + get_text for a text page. ``pages``:
    the plan's pages of one document (all documents of a kind are planned alike). Stops after
    ``budget`` seconds (at least one document)."""
    done, start = 0, time.perf_counter()
    for path in paths:
        with pymupdf.open(path) as pdf:
            for spec in pages:
                page = pdf.load_page(spec["number"] - 1)
                if spec["mode"] == "text":
                    page.get_text()
                else:
                    w, h = spec["cols"] * TILE, spec["rows"] * TILE
                    rect = page.rect
                    pix = page.get_pixmap(matrix=pymupdf.Matrix(w / rect.width, h / rect.height), alpha=False)
                    image = Image.frombuffer("RGB", (pix.width, pix.height), pix.samples_mv, "raw", "RGB", 0, 1)
                    image.save(io.BytesIO(), **JPEG)
                done += 1
        if time.perf_counter() - start > budget:
            break
    return done / (time.perf_counter() - start), done


def stages(paths: list[Path]) -> None:
    """Where docvl's CPU goes for one document, in-process on one core (no server): the stages `docvl
    extract` runs for each document, as in tasks/pipeline.py. Printed, or why not (docvl may be changing)."""
    try:
        from docvl.load import load_document
        from docvl.load.textlayer import read_contents, reading_order
        from docvl.options import PlanningOptions
        from docvl.planning import plan_document
        from docvl.render import PageRequest, render_pages

        cfg = PlanningOptions().build()
        system, tile = cfg.profile.chat.no_think_system, cfg.profile.tile_size
        took = dict.fromkeys(("load", "analysis", "plan", "draw + JPEG"), 0.0)
        grid = thumb = 0
        for path in paths:
            t0 = time.perf_counter()
            doc = load_document(path)
            t1 = time.perf_counter()
            contents = read_contents(doc, order=reading_order(cfg.settings.page_mode))  # as the workers do
            t2 = time.perf_counter()
            plan = plan_document(doc, contents, cfg, system=system, user="", schema=SCHEMA)
            t3 = time.perf_counter()
            requests = [PageRequest(p.number, p.grid(tile)) for p in plan.pages if p.mode != "text"]
            for page in render_pages(doc, requests, encode="jpeg", thumbnails=False):  # a server makes its own
                grid += len(page.encoded.data) if page.encoded else 0
                thumb += len(page.encoded_thumbnail.data) if page.encoded_thumbnail else 0
            t4 = time.perf_counter()
            for key, seconds in zip(took, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                took[key] += seconds
    except Exception as exc:  # docvl may be changing under us
        print(f"   docvl stages in-process: failed ({type(exc).__name__}: {exc})")
        return
    parts = ", ".join(f"{k} {v / len(paths) * 1000:.1f}" for k, v in took.items())
    sent = f"; JPEG {grid / len(paths) / 1024:.0f} KB/doc" if grid else ""
    print(f"   docvl in-process, one core, ms/doc: {parts}{sent}")


def startup_seconds() -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([str(DOCVL), "--version"], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


# 1. throughput ------------------------------------------------------------------------------------------


def throughput(args, tmp: Path) -> None:
    workers = max(1, args.workers if args.workers is not None else os.cpu_count() or 1)
    schema = tmp / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    startup = startup_seconds()
    print(f"== 1. docvl extract throughput: stub {args.latency * 1000:.0f} ms per request (own process), "
          f"{os.cpu_count()} cores, CPU ceiling x {workers} worker(s) "
          f"({'--workers' if args.workers is not None else 'os.cpu_count(); docvl run with its default --workers'})")  # fmt: skip
    print(f"   docvl start-up (docvl --version, best of 3): {startup:.2f} s")
    stub = Stub(args.latency)
    bare_cache: dict[tuple[int, int], float] = {}
    rows = []
    try:
        for kind in args.kinds:
            count = max(1, args.docs // 4) if kind == "multi" else args.docs
            folder = tmp / kind
            folder.mkdir()
            t = time.perf_counter()
            paths = MAKERS[kind](folder, count)
            size = sum(p.stat().st_size for p in paths) / count / 1024
            plan = plan_json(paths[0])
            if plan is None:
                continue
            modes = [p["mode"] for p in plan["pages"]]
            grids = sorted({f"{p['cols']}x{p['rows']}" for p in plan["pages"] if p["mode"] != "text"})
            expect = "text" if kind == "text" else "image"
            check = "ok" if all(m == expect for m in modes) else f"NOT all {expect}: the figures below are off"
            rate, measured = raw_rate(paths, plan["pages"], 3.0 if args.quick else 8.0)
            per_doc = len(plan["pages"])
            cpu1 = rate / per_doc
            what = "open + get_text" if expect == "text" else f"get_pixmap {', '.join(grids)} tiles + JPEG"
            print(f"-- {KIND_LABEL[kind]}: {count} documents of {per_doc} page(s), {size:.0f} KB each, "
                  f"made in {time.perf_counter() - t:.1f} s; docvl plan: {', '.join(modes)} ({check})")  # fmt: skip
            print(f"   raw one core ({what}): {rate:.1f} pages/s = {cpu1:.1f} docs/s "
                  f"({measured} pages); CPU ceiling {cpu1 * workers:.1f} docs/s")  # fmt: skip
            stages(paths[:20])
            for conc in args.concurrency:
                out = tmp / f"{kind}-{conc}.jsonl"
                cmd = [str(DOCVL), "extract", str(folder), "--schema", str(schema), "--server", stub.url,
                       "--concurrency", str(conc), "-o", str(out), "--quiet", "--force"]  # fmt: skip
                if args.workers is not None:
                    cmd += ["--workers", str(args.workers)]
                *_, stub_cpu = stub.stats()
                run = run_measured(cmd, tmp / f"{kind}-{conc}.err")
                requests, images, stub_after = stub.stats()
                run["stub"] = stub_after - stub_cpu
                records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
                ok = sum(1 for r in records if r.get("_status", r.get("status")) == "ok")
                n_bare = requests or count
                if (conc, n_bare) not in bare_cache:
                    bare_cache[(conc, n_bare)] = bare_client(stub.url, n_bare, conc)
                bare = bare_cache[(conc, n_bare)] * count / n_bare  # requests/s as documents/s
                rows.append((kind, conc, count, run, requests, images, ok, bare, cpu1 * workers, startup))
                if run["code"] != 0 or ok != count:
                    print(f"   !! concurrency {conc}: exit {run['code']}, {len(records)} records, {ok} ok; "
                          f"docvl stderr:\n{tail(run['stderr'])}")  # fmt: skip
    finally:
        stub.close()
    print()
    print(f"{'kind':<16}{'conc':>5}{'docs':>6}{'s':>7}{'docs/s':>8}{'-start':>8}{'req':>6}{'img':>6}{'ok':>6}"
          f"{'bare':>8}{'CPU':>8}{'/bare':>7}{'/CPU':>7}{'/min':>7}")  # fmt: skip
    for kind, conc, count, run, requests, images, ok, bare, cpu, startup in rows:
        if run["code"] != 0:
            print(
                f"{KIND_LABEL[kind]:<16}{conc:>5}{count:>6}{run['seconds']:>7.1f}   failed (exit {run['code']}), above"
            )
            continue
        rate = count / run["seconds"]
        steady = count / max(run["seconds"] - startup, 1e-3)
        print(f"{KIND_LABEL[kind]:<16}{conc:>5}{count:>6}{run['seconds']:>7.1f}{rate:>8.1f}{steady:>8.1f}"
              f"{requests:>6}{images:>6}{ok:>6}{bare:>8.1f}{cpu:>8.1f}{steady / bare:>7.2f}{steady / cpu:>7.2f}"
              f"{steady / min(bare, cpu):>7.2f}")  # fmt: skip
    print("docs/s: whole run; -start: without process start-up (the ratios use it); req, img: chat completions")
    print("and page images the stub received; ok: records with status ok; bare: the bare client's requests/s")
    print("per document at the same concurrency and request count; CPU: raw one-core docs/s x workers;")
    print("/min: against the lower of the two ceilings.")
    print()
    print(f"{'kind':<16}{'conc':>5}{'CPU s':>8}{'ms/doc':>8}{'stub s':>8}{'peak RSS':>10}{'worker':>9}"
          f"{'tree RSS':>10}{'tree PSS':>10}")  # fmt: skip
    for kind, conc, count, run, *_ in rows:
        print(f"{KIND_LABEL[kind]:<16}{conc:>5}{run['cpu']:>8.1f}{run['cpu'] / count * 1000:>8.0f}{run['stub']:>8.1f}"
              f"{run['rss']:>8.0f}MB{run['child']:>7.0f}MB{run['tree']:>8.0f}MB{run['pss']:>8.0f}MB")  # fmt: skip
    print("CPU s: user + system seconds of docvl and its workers (ms/doc: per document); stub s: the stub")
    print("server's CPU seconds meanwhile (same machine); peak RSS: the docvl process; worker: its largest")
    print("child; tree: it and its children at once (RSS counts pages forked workers share in each; PSS")
    print("splits them).")


# 2. render ---------------------------------------------------------------------------------------------


def render_section(args) -> None:
    from docvl.load import load_document
    from docvl.load.textlayer import read_contents, reading_order
    from docvl.options import PlanningOptions
    from docvl.planner import plan_pages
    from docvl.planning import plan_document
    from docvl.render import PageRequest, render_pages

    base = PlanningOptions().build()
    system = base.profile.chat.no_think_system
    tile = base.profile.tile_size

    def plan_for(path: Path, mode: str | None):
        doc = load_document(path)
        if mode is None:  # no page analysis: no text layer read, every page an image
            plan = plan_pages(doc.pages, profile=base.profile, counter=base.counter, system=system, user="")
        else:
            cfg = PlanningOptions(page_mode=mode).build()
            # as `docvl render` reads it: in reading order only the pages whose text could be sent
            plan = plan_document(doc, read_contents(doc, order=reading_order(mode)), cfg, system=system, user="")
        return doc, [PageRequest(p.number, p.grid(tile)) for p in plan.pages if p.mode != "text"]

    def docvl_run(path: Path, mode: str | None) -> int:
        doc, requests = plan_for(path, mode)
        n = 0
        for page in render_pages(doc, requests):
            assert page.image.size == page.grid.pixel_size
            n += 1
        return n

    def analysis_run(path: Path) -> None:
        read_contents(load_document(path), order=reading_order("auto"))

    def raw_run(path: Path, sizes: dict[int, list[tuple[int, int]]]) -> None:
        with pymupdf.open(path) as pdf:
            for number, page_sizes in sizes.items():
                page = pdf.load_page(number - 1)
                rect = page.rect
                for w, h in page_sizes:
                    pix = page.get_pixmap(matrix=pymupdf.Matrix(w / rect.width, h / rect.height), alpha=False)
                    assert (pix.width, pix.height) == (w, h)

    def best(fn) -> float:
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    pages = 20 if args.quick else 60
    print(f"== 2. render: docvl load + plan + render (in-process, 1 process, no encode) vs raw PyMuPDF get_pixmap "
          f"of the same pixels, best of {args.repeat}")  # fmt: skip
    print(f"{'document':<22}{'pages':>6}{'variant':>36}{'drawn':>7}{'s':>8}{'raw s':>8}{'vs raw':>8}")
    for label, path in (("born-digital", born_digital_mix(pages)), ("scanned (image-only)", scanned_pages(pages))):
        for name, mode in (("no page analysis", None), ("analysis, --page-mode image", "image"),
                           ("analysis, --page-mode auto", "auto")):  # fmt: skip
            _, requests = plan_for(path, mode)
            sizes = {r.number: [r.grid.pixel_size, *([r.grid.thumbnail_size] if r.grid.thumbnail else [])]
                     for r in requests}  # fmt: skip
            raw = best(lambda p=path, s=sizes: raw_run(p, s))
            ours = best(lambda p=path, m=mode: docvl_run(p, m))
            print(f"{label:<22}{pages:>6}{name:>36}{len(requests):>7}{ours:>8.2f}{raw:>8.2f}{ours / raw:>7.2f}x")
        analysis = best(lambda p=path: analysis_run(p))
        print(f"{label:<22}{pages:>6}{'of which load + read_contents':>36}{'':>7}{analysis:>8.2f}")
    print("drawn: pages docvl draws (grid image + thumbnail each); raw draws exactly those, at the same sizes.")


# 3. plan memory -----------------------------------------------------------------------------------------


def plan_section(args, tmp: Path) -> None:
    counts = (100, 500, 1500)
    print(f"== 3. docvl plan peak RSS on scanned pages ({', '.join(map(str, counts))} pages)")
    base = run_measured([str(DOCVL), "--version"], tmp / "version.err")
    print(f"   docvl --version (imports only): {base['rss']:.1f} MB")
    rss = {}
    for n in counts:
        t = time.perf_counter()
        path = scanned_pages(n)
        made = time.perf_counter() - t
        run = run_measured([str(DOCVL), "plan", str(path)], tmp / f"plan-{n}.err")
        if run["code"] != 0:
            print(f"   {n:>5} pages: docvl plan failed (exit {run['code']}):\n{tail(run['stderr'])}")
            continue
        rss[n] = run["rss"]
        print(f"   {n:>5} pages ({path.stat().st_size / 2**20:.0f} MB file{f', made in {made:.0f} s' if made > 1 else ''}): "
              f"{run['rss']:.1f} MB peak RSS, {run['seconds']:.2f} s")  # fmt: skip
    if counts[0] in rss and counts[-1] in rss:
        print(f"   {counts[-1]} vs {counts[0]} pages: {rss[counts[-1]] - rss[counts[0]]:+.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=400, help="documents per one-page kind (4-page: a quarter)")
    ap.add_argument("--latency", type=float, default=0.2, help="stub seconds per request")
    ap.add_argument("--concurrency", default="8,32,64", help="comma-separated list")
    ap.add_argument("--kinds", default=",".join(KINDS), help=f"subset of {','.join(KINDS)}")
    ap.add_argument("--workers", type=int, default=None, help="pass --workers N to docvl (default: docvl's)")
    ap.add_argument("--repeat", type=int, default=None, help="render timings: best of (default 2, --quick 1)")
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-render", action="store_true")
    ap.add_argument("--skip-plan", action="store_true")
    ap.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    args = ap.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.kinds = [k for k in args.kinds.split(",") if k]
    if unknown := set(args.kinds) - set(KINDS):
        ap.error(f"unknown kinds {sorted(unknown)}: choose from {', '.join(KINDS)}")
    if args.quick and args.docs == ap.get_default("docs"):
        args.docs = 40
    if args.repeat is None:
        args.repeat = 1 if args.quick else 2
    _docvl_defaults()
    print(f"PyMuPDF {pymupdf.VersionBind}, {os.cpu_count()} cores, JPEG {JPEG}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="docvl-throughput-") as name:
        tmp = Path(name)
        sections = [
            ("throughput", args.skip_throughput, lambda: throughput(args, tmp)),
            ("render", args.skip_render, lambda: render_section(args)),
            ("plan", args.skip_plan, lambda: plan_section(args, tmp)),
        ]
        for label, skip, section in sections:
            if skip:
                continue
            t = time.perf_counter()
            try:
                section()
            except Exception as exc:  # docvl may be changing under us: say so, go on
                print(f"!! {label} section failed: {type(exc).__name__}: {exc}")
            print(f"   ({label}: {time.perf_counter() - t:.0f} s)\n")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
