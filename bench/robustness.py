"""How docvl takes broken and awkward inputs: every command on every file, counted by how it ended.

    python bench/robustness.py                  # tests/corpus/broken + generated files
    python bench/robustness.py --inputs DIR     # every file (and folder) directly in DIR instead
    python bench/robustness.py --no-generated --timeout 30

Runs `docvl plan`, `docvl ask --engine text "What is the total?"`, `docvl extract --engine text --schema
<a two-field schema>` and `docvl render` on each input, one process per run (two at a time), and sorts
each run into:

  ok           exit 0, no warning line
  warned       exit 0, with `warning:` lines (or a `partial:` result)
  clean error  exit 1 or 2 with exactly one `error:` line that names the file and gives a fix (" — ")
  bad          a traceback, an exception passed off as a message (`ValueError: ...`, `internal error`),
               a site-packages path, a line on stderr that is not docvl's (a library talking), a crash
               (killed by a signal, another exit code), or an error line without the file or a fix
  timeout      still running after --timeout seconds (killed)

and prints the counts per command, the peak RSS over all runs (from wait4, free) and every bad run with
the line that made it bad. It is a bench, not a test: it always exits 0 unless it cannot run at all.
The generated inputs are made with PyMuPDF and Pillow into a temporary folder, removed afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO / "tests" / "corpus" / "broken"
METADATA = {"index.json", "README.md"}  # the corpus describes itself; not inputs
QUESTION = "What is the total?"
SCHEMA = {
    "type": "object",
    "properties": {"total": {"type": ["number", "null"]}, "date": {"type": ["string", "null"]}},
    "required": ["total"],
}
COMMANDS = ("plan", "ask", "extract", "render")
KINDS = ("ok", "warned", "clean error", "bad", "timeout")

# what docvl itself starts a stderr line with; anything else there came from a library (or a crash)
# (and extract's "N document(s): ..." count of what it wrote)
DOCVL_LINE = re.compile(r"^(error|warning|engine|note|ok|partial|stopped): |^interrupted$|^\d+ document\(s\): ")
# a Python exception's class name followed by a colon: a traceback's last line, or one passed off as a message
EXCEPTION = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Exit)\b: |\b(?:StopIteration|KeyboardInterrupt)\b")


@dataclass
class Run:
    command: str
    path: Path
    code: int | None  # None: killed by the timeout
    seconds: float
    peak_mb: float
    err: str
    kind: str = ""
    why: str = ""


def docvl_command() -> list[str]:
    exe = REPO / ".venv" / "bin" / "docvl"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "docvl"]


def arguments(command: str, path: Path, scratch: Path) -> list[str]:
    if command == "plan":
        return ["plan", str(path)]
    if command == "ask":
        return ["ask", "--engine", "text", str(path), QUESTION]
    if command == "extract":
        return ["extract", "--engine", "text", "--schema", str(scratch / "schema.json"), str(path)]
    out = Path(tempfile.mkdtemp(dir=scratch, prefix="render-"))
    return ["render", str(path), "-o", str(out)]


def run_one(command: str, path: Path, scratch: Path, timeout: float) -> Run:
    """One docvl process; its peak RSS from wait4 (no sampling), killed with its children past ``timeout``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*docvl_command(), *arguments(command, path, scratch)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            cwd=scratch,
            env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
            start_new_session=True,  # its render workers are killed with it
        )
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
        seconds = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    code = None if killed.is_set() else proc.returncode
    return Run(command, path, code, seconds, usage.ru_maxrss / 1024, text)


def classify(run: Run) -> Run:
    lines = [line for line in run.err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    name = str(run.path)

    def bad(why: str) -> Run:
        run.kind, run.why = "bad", why
        return run

    if run.code is None:
        run.kind, run.why = "timeout", f"killed after {run.seconds:.0f} s"
        return run
    for line in lines:
        if "Traceback (most recent call last)" in line:
            return bad("traceback")
        if "site-packages" in line or "dist-packages" in line:
            return bad(f"library path on stderr: {line[:200]}")
        if "internal error" in line or EXCEPTION.search(line):
            return bad(f"exception as message: {line[:200]}")
    foreign = [
        line
        for line in lines
        if not DOCVL_LINE.match(line)
        and not line.startswith(f"{name}: ")  # render's "FILE: N page image(s) ... written to DIR"
    ]
    if foreign:
        return bad(f"not docvl's on stderr: {foreign[0][:200]}")
    if run.code == 0:
        run.kind = "warned" if any(line.startswith(("warning: ", "partial: ")) for line in lines) else "ok"
        return run
    if run.code not in (1, 2):
        return bad(f"exit {run.code}")
    if len(errors) != 1:
        return bad(f"exit {run.code} with {len(errors)} error lines")
    (line,) = errors
    if name not in line and run.path.name not in line:
        return bad(f"error does not name the file: {line[:200]}")
    if " — " not in line:
        return bad(f"error without a fix: {line[:200]}")
    run.kind = "clean error"
    return run


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def generate(folder: Path) -> None:
    """Awkward inputs no corpus should need to ship: each small, made in well under a second."""
    import numpy as np
    import pymupdf
    from PIL import Image

    def pdf(pages: int = 3, **save) -> bytes:
        doc = pymupdf.open()
        for n in range(1, pages + 1):
            page = doc.new_page()
            page.insert_text((72, 72), f"Invoice page {n}. Total: 1,234.50 EUR", fontsize=12)
        data = doc.tobytes(**save)
        doc.close()
        return data

    def image(fmt: str, **save) -> bytes:
        rng = np.random.default_rng(0)
        buf = io.BytesIO()
        Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(buf, fmt, **save)
        return buf.getvalue()

    whole = pdf()
    (folder / "truncated.pdf").write_bytes(whole[: len(whole) // 2])
    (folder / "random.pdf").write_bytes(np.random.default_rng(1).bytes(16_384))
    (folder / "login_page.pdf").write_text("<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>\n")
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "zero_pages.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    (folder / "encrypted.pdf").write_bytes(
        pdf(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner-secret")
    )
    Image.new("RGB", (1, 1), "white").save(folder / "one_pixel.png")
    ihdr = struct.pack(">IIBBBBB", 200_000, 200_000, 8, 2, 0, 0, 0)  # a header promising 40 gigapixels
    (folder / "huge_header.png").write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b""))
    png, jpeg = image("PNG"), image("JPEG", quality=90)
    (folder / "truncated.png").write_bytes(png[: len(png) // 2])
    (folder / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    frames = [Image.new("RGB", (320, 240), color) for color in ("white", "gray", "black")]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    ramp = (np.linspace(0, 65_535, 200 * 300).reshape(200, 300)).astype(np.uint16)
    Image.fromarray(ramp).save(folder / "gray16.png")
    with zipfile.ZipFile(folder / "archive.pdf", "w") as zf:
        zf.writestr("invoice.txt", "Total: 1,234.50 EUR\n")
    (folder / "notes.txt").write_text("Total: 1,234.50 EUR\n")
    (folder / "x.pdf").mkdir()


def inputs_of(folder: Path, skip: set[str]) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name not in skip and not p.name.startswith("."))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=Path, help="a folder: every file and folder directly in it is one input")
    parser.add_argument("--no-generated", action="store_true", help="only --inputs (or tests/corpus/broken)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per run before it is killed")
    parser.add_argument("--threads", type=int, default=2, help="runs at once")
    parser.add_argument(
        "--commands", default=",".join(COMMANDS), help="comma-separated subset of " + ", ".join(COMMANDS)
    )
    args = parser.parse_args()
    commands = [c for c in args.commands.split(",") if c]
    if unknown := set(commands) - set(COMMANDS):
        parser.error(f"unknown command(s): {', '.join(sorted(unknown))}")

    scratch = Path(tempfile.mkdtemp(prefix="docvl-robustness-"))
    try:
        (scratch / "schema.json").write_text(json.dumps(SCHEMA))
        inputs: list[Path] = []
        if args.inputs is not None:
            inputs += inputs_of(args.inputs, set())
        elif DEFAULT_CORPUS.is_dir():
            inputs += inputs_of(DEFAULT_CORPUS, METADATA)
        if not args.no_generated and args.inputs is None:
            generated = scratch / "generated"
            generated.mkdir()
            generate(generated)
            inputs += inputs_of(generated, set())
        if not inputs:
            raise SystemExit(f"no inputs: pass --inputs DIR ({DEFAULT_CORPUS} is missing)")
        jobs = [(c, p) for p in inputs for c in commands]
        print(
            f"{len(inputs)} inputs x {len(commands)} commands = {len(jobs)} runs, {args.threads} at a time", flush=True
        )
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            runs = [classify(r) for r in pool.map(lambda job: run_one(*job, scratch, args.timeout), jobs)]
        took = time.perf_counter() - start
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    counts = {c: Counter(r.kind for r in runs if r.command == c) for c in commands}
    width = max(len(k) for k in KINDS) + 2
    print(f"\n{'command':<10}" + "".join(f"{k:>{width}}" for k in KINDS) + f"{'peak RSS':>12}")
    for c in commands:
        peak = max(r.peak_mb for r in runs if r.command == c)
        print(f"{c:<10}" + "".join(f"{counts[c][k]:>{width}}" for k in KINDS) + f"{peak:>9.0f} MiB")
    total = Counter(r.kind for r in runs)
    print(f"{'all':<10}" + "".join(f"{total[k]:>{width}}" for k in KINDS) + f"   ({took:.0f} s)")
    heaviest = max(runs, key=lambda r: r.peak_mb)
    print(f"heaviest run: {heaviest.command} {heaviest.path.name} ({heaviest.peak_mb:.0f} MiB)")
    worst = [r for r in runs if r.kind in ("bad", "timeout")]
    if worst:
        print(f"\n{len(worst)} bad run(s):")
        for r in worst:
            print(f"  {r.command:<8} {r.path.name}: {r.why}")
    slow = sorted(runs, key=lambda r: r.seconds, reverse=True)[:3]
    print("\nslowest: " + ", ".join(f"{r.command} {r.path.name} {r.seconds:.1f} s" for r in slow))


if __name__ == "__main__":
    main()
