"""Batch throughput and memory: `docvl extract` over hundreds of documents against a server with a fixed
latency.

    python bench/batch.py [--docs 500] [--latency 0.2] [--concurrency 8]

The server is the recorded-response vLLM stub of the tests (tests/vllm_stub.py) on 127.0.0.1, answering
every request after --latency seconds. The server-bound limit is measured in the same run: a bare client
sending the same number of requests with the same concurrency (no documents, no docvl). docvl's
documents/s (process start-up included) is printed against it. Then peak RSS of whole `docvl extract`
runs over 100 and 1,000 documents (latency 10 ms): memory should not grow with the number of documents.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pymupdf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.vllm_stub import Scripted, StubServer, completion  # noqa: E402

SCHEMA = {
    "type": "object",
    "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}, "currency": {"type": "string"}},
}
REPLY = json.dumps({"invoice_number": "INV-1", "total": 9.5, "currency": "EUR", "_pages": {"total": [1]}})


def make_docs(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"invoice-{n:05d}.pdf"
        if not path.exists():
            doc = pymupdf.open()
            page = doc.new_page(width=595, height=842)
            page.insert_text((50, 60), f"Invoice INV-{n:05d}", fontsize=16)
            page.insert_text((50, 100), f"Total due: {n % 997}.50 EUR", fontsize=11)
            doc.save(path)
            doc.close()
        paths.append(path)
    return paths


def bare_client(url: str, requests: int, concurrency: int) -> float:
    """Requests/s a client that does nothing else gets from the server: the ceiling for docvl."""
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 8}
    with httpx.Client(base_url=url, timeout=60, limits=httpx.Limits(max_connections=concurrency * 2)) as client:
        start = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(lambda _: client.post("/chat/completions", json=body).raise_for_status(), range(requests)))
        return requests / (time.perf_counter() - start)


def run_docvl(folder: Path, url: str, concurrency: int, out: Path) -> tuple[float, float]:
    """(seconds, peak RSS MB) of one `python -m docvl extract` process."""
    schema = out.with_suffix(".schema.json")
    schema.write_text(json.dumps(SCHEMA))
    args = [sys.executable, "-m", "docvl", "extract", str(folder), "--schema", str(schema), "--server", url,
            "--concurrency", str(concurrency), "-o", str(out), "--force"]  # fmt: skip
    env = {**os.environ, "CI": "true", "PYTHONPATH": str(HERE.parent)}
    start = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"docvl extract failed: {err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    cache = HERE / ".cache" / "batch"
    server = StubServer()
    server.default = lambda body: Scripted(body=completion(REPLY), delay=server.delay)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.jsonl"
            server.delay = args.latency
            docs = make_docs(cache / f"docs-{args.docs}", args.docs)
            limit = bare_client(server.url, args.docs, args.concurrency)
            seconds, rss = run_docvl(docs[0].parent, server.url, args.concurrency, out)
            rows = out.read_text().count("\n")
            rate = args.docs / seconds
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "docvl", "--version"], check=True, capture_output=True)
            startup = time.perf_counter() - start
            print(f"server: {args.latency * 1000:.0f} ms per request, concurrency {args.concurrency}")
            print(f"server-bound limit (bare client, same run): {limit:.1f} requests/s")
            print(f"docvl extract, {args.docs} documents: {seconds:.1f} s = {rate:.1f} documents/s "
                  f"({rows} rows), {rate / limit:.2f} of the limit, peak RSS {rss:.0f} MB")  # fmt: skip
            steady = args.docs / (seconds - startup)
            print(f"  of which process start-up (python -m docvl --version): {startup:.2f} s; without it "
                  f"{steady:.1f} documents/s = {steady / limit:.2f} of the limit")  # fmt: skip
            server.delay = 0.01
            print("peak RSS of whole runs (10 ms latency):")
            for count in (100, 1000):
                folder = make_docs(cache / f"docs-{count}", count)[0].parent
                seconds, rss = run_docvl(folder, server.url, args.concurrency, out)
                print(f"  {count:>5} documents: {rss:.0f} MB peak RSS ({count / seconds:.1f} documents/s)")
    finally:
        server.close()


if __name__ == "__main__":
    main()
