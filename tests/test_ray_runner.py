"""`--runner ray`: the batch on Ray, with the local runner's guarantees. A local Ray started by docvl, and
a two-node cluster on this machine (`ray start --head` + `ray start --address`: two raylets, so work
crosses processes), against the text engine and two vLLM stubs on 127.0.0.1."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.vllm_stub import Scripted, StubServer, completion

ray = pytest.importorskip("ray", reason="the ray extra is not installed (pip install 'docvl[ray]'); CI installs it")

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
SCHEMA = {
    "type": "object",
    "required": ["invoice_number", "total"],
    "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}},
}
GOOD = json.dumps({"invoice_number": "A1", "total": 12.5})


@pytest.fixture
def invoices(corpus, tmp_path):
    folder = tmp_path / "invoices"
    folder.mkdir()
    for pdf in sorted((corpus / "invoices").glob("*.pdf")):
        shutil.copy(pdf, folder / pdf.name)
    return folder


@pytest.fixture
def many(tmp_path, pdf_factory):
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(12):
        pdf_factory(f"docs/d{i:02d}.pdf", pages=1)
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(SCHEMA))
    return folder, schema


@pytest.fixture
def run_cli(tmp_path):
    """`docvl ARGS` in a process of its own: Ray's driver lives and ends there, never in pytest's process
    (Ray's core may end the process it runs in when its cluster goes away)."""
    from tests.conftest import CliResult

    def run(*args) -> CliResult:
        env = {**os.environ, "COLUMNS": "160"}
        done = subprocess.run(
            [sys.executable, "-m", "docvl", *map(str, args)], capture_output=True, text=True, env=env, timeout=600,
            cwd=tmp_path,
        )  # fmt: skip
        return CliResult(done.returncode, done.stdout, done.stderr)

    return run


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_ray_runner_writes_what_the_local_runner_writes(run_cli, invoices, tmp_path):
    schema = REPO / "schemas" / "invoice.json"
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    first = run_cli("extract", invoices, "--schema", schema, "-o", local)
    second = run_cli(
        "extract", invoices, "--schema", schema, "-o", on_ray, "--runner", "ray", "--report", tmp_path / "r.json"
    )
    assert first.code == second.code == 0, second.err
    assert local.read_text() == on_ray.read_text()  # the same records, in input order, each once
    report = json.loads((tmp_path / "r.json").read_text())
    assert [Path(d["path"]).name for d in report["documents"]] == sorted(p.name for p in invoices.glob("*.pdf"))
    # a re-run finds every document in the journal by its listing, and runs none
    third = run_cli("extract", invoices, "--schema", schema, "-o", on_ray, "--runner", "ray")
    assert third.code == 0 and "taken from its journal" in third.err
    assert on_ray.read_text() == local.read_text()


def test_ray_runner_spreads_documents_over_two_servers_and_survives_one_dying(run_cli, many, tmp_path):
    folder, schema = many
    slow, dying = StubServer(), StubServer()
    try:
        slow.default = lambda body: Scripted(body=completion(GOOD), delay=0.3)
        dying.default = lambda body: Scripted(body=completion(GOOD), delay=0.02)
        dying.close_after = 3
        out = tmp_path / "out.jsonl"
        result = run_cli(
            "extract", folder, "--schema", schema, "-o", out, "--runner", "ray", "--workers", "2",
            "--concurrency", "4", "--server", slow.url, "--server", dying.url, "--report", tmp_path / "r.json",
        )  # fmt: skip
    finally:
        slow.close()
        dying.close()
    assert result.code == 0, result.err
    records = lines(out)
    assert [Path(r["_file"]).name for r in records] == [f"d{i:02d}.pdf" for i in range(12)]
    assert all(r["_status"] == "ok" for r in records)
    servers = json.loads((tmp_path / "r.json").read_text())["servers"]
    assert set(servers) == {slow.url, dying.url} and sum(s["documents"] for s in servers.values()) == 12


def test_ray_runner_says_what_it_cannot_run(run_cli, many):
    folder, schema = many
    result = run_cli("extract", folder, "--schema", schema, "--runner", "ray", "--attachments")
    assert result.code == 2 and "--attachments" in result.err and "shared folder" in result.err


# -- a two-node cluster on this machine -------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster(tmp_path_factory):
    """A head and a worker node, one CPU each: an actor pool of two has one actor on each."""
    ray_bin = Path(sys.executable).with_name("ray")
    temp = tmp_path_factory.mktemp("ray")
    port = _free_port()
    # a cluster of this machine's own, without Ray's token authentication (whether `ray start --head`
    # turns it on depends on what earlier Ray runs left in ~/.ray): the driver and the nodes agree
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
    previous = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # for the drivers the tests start
    common = ["--num-cpus", "1", "--disable-usage-stats"]
    subprocess.run(
        [ray_bin, "start", "--head", "--port", str(port), "--include-dashboard", "false", "--temp-dir", str(temp), *common],
        check=True, capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    address = f"127.0.0.1:{port}"
    try:
        subprocess.run(
            [ray_bin, "start", "--address", address, *common], check=True, capture_output=True, env=env, timeout=120
        )
        yield address
    finally:
        subprocess.run([ray_bin, "stop", "--force"], capture_output=True, env=env, timeout=120)
        if previous is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = previous


def _nodes(address: str) -> int:
    code = f"import ray; ray.init(address={address!r}, logging_level='ERROR'); print(len([n for n in ray.nodes() if n['Alive']]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    return int(done.stdout.strip().splitlines()[-1])


def test_a_killed_driver_on_a_cluster_with_a_dying_server_is_resumed_and_each_document_is_written_once(
    cluster, many, tmp_path
):
    """The check users run: two servers, one of which dies mid-run, the driver SIGKILLed, the same
    command again. Two nodes of one CPU each and two actors: one actor on each raylet."""
    assert _nodes(cluster) == 2
    folder, schema = many
    steady, dying = StubServer(), StubServer()
    steady.default = lambda body: Scripted(body=completion(GOOD), delay=0.4)
    dying.default = lambda body: Scripted(body=completion(GOOD), delay=0.1)
    dying.close_after = 3
    out = tmp_path / "out.jsonl"
    journal = tmp_path / ".out.jsonl.docvl-journal"
    command = [
        sys.executable, "-m", "docvl", "extract", str(folder), "--schema", str(schema), "-o", str(out),
        "--runner", "ray", "--ray-address", cluster, "--workers", "2", "--concurrency", "2",
        "--server", steady.url, "--server", dying.url, "--report", str(tmp_path / "r.json"),
    ]  # fmt: skip
    try:
        driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and (not journal.exists() or len(journal.read_text().splitlines()) < 5):
            assert driver.poll() is None, driver.stderr.read().decode() if driver.stderr else ""
            time.sleep(0.05)
        driver.send_signal(signal.SIGKILL)
        driver.wait(30)
        finished_before = len(journal.read_text().splitlines())
        assert 5 <= finished_before < 12
        asked_before = len(steady.requests) + len(dying.requests)
        again = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=300)
    finally:
        steady.close()
        dying.close()
    assert again.returncode == 0, again.stderr
    records = lines(out)
    assert [Path(r["_file"]).name for r in records] == [f"d{i:02d}.pdf" for i in range(12)]  # each once, in order
    assert all(r["_status"] == "ok" for r in records)
    assert f"{finished_before} document(s) finished by an earlier run" in again.stderr
    assert "left out until they answer" in again.stderr and dying.url in again.stderr  # dead at the re-run's start
    # the re-run asked only for what the journal did not hold, all of it of the server still up
    assert len(steady.requests) + len(dying.requests) - asked_before == 12 - finished_before
    assert json.loads((tmp_path / "r.json").read_text())["servers"] == {
        steady.url: {"requests": 12 - finished_before, "documents": 12 - finished_before}
    }


def test_the_api_runs_on_ray_too(invoices, tmp_path):
    script = tmp_path / "api.py"
    script.write_text(
        f"""
import json, sys
from pathlib import Path
import docvl
from docvl.engines.scripted import ScriptedEngine

if __name__ == "__main__":
    invoices, schema = Path({str(invoices)!r}), Path({str(REPO / "schemas" / "invoice.json")!r})
    local = [r.values for r in docvl.extract_many(invoices, schema, workers=1)]
    on_ray = list(docvl.extract_many(invoices, schema, runner="ray", workers=2, journal=Path({str(tmp_path / "j")!r})))
    assert [r.values for r in on_ray] == local
    assert [Path(r.path).name for r in on_ray] == sorted(p.name for p in invoices.glob("*.pdf"))
    try:
        list(docvl.extract_many(invoices, schema, runner="ray", engine=ScriptedEngine(["{{}}"])))
    except docvl.errors.UsageError as exc:
        assert "engine object" in str(exc)
    else:
        sys.exit("an engine object was taken for a Ray run")
    print("ok")
"""
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stderr[-3000:]


def test_ray_runner_reads_inputs_at_urls_on_its_workers(run_cli, invoices, tmp_path):
    schema = REPO / "schemas" / "invoice.json"
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    assert run_cli("extract", f"file://{invoices}", "--schema", schema, "-o", local).code == 0
    result = run_cli("extract", f"file://{invoices}", "--schema", schema, "-o", on_ray, "--runner", "ray")
    assert result.code == 0, result.err
    assert on_ray.read_text() == local.read_text()
    assert json.loads(on_ray.read_text().splitlines()[0])["_file"].startswith(f"file://{invoices}/")


def test_an_actor_killed_mid_run_is_replaced_and_no_document_is_lost_or_written_twice(many, tmp_path):
    import psutil

    folder, schema = many
    stub = StubServer()
    stub.default = lambda body: Scripted(body=completion(GOOD), delay=0.3)
    out = tmp_path / "out.jsonl"
    command = [
        sys.executable, "-m", "docvl", "extract", str(folder), "--schema", str(schema), "-o", str(out),
        "--runner", "ray", "--workers", "2", "--concurrency", "2", "--server", stub.url, "--report", str(tmp_path / "r.json"),
    ]  # fmt: skip
    killed = []
    try:
        driver = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp_path)
        deadline = time.monotonic() + 120
        while not killed and time.monotonic() < deadline and driver.poll() is None:
            if len(stub.requests) >= 2:  # actors are at work
                for proc in psutil.process_iter(["cmdline"]):
                    if any("MapWorker" in part for part in proc.info["cmdline"] or ()):
                        proc.kill()
                        killed.append(proc.pid)
                        break
            time.sleep(0.05)
        _, err = driver.communicate(timeout=300)
    finally:
        stub.close()
    assert killed, "no actor process was found to kill"
    assert driver.returncode == 0, err.decode()
    names = [Path(r["_file"]).name for r in lines(out)]
    assert names == [f"d{i:02d}.pdf" for i in range(12)]  # every document once, in input order
    report = json.loads((tmp_path / "r.json").read_text())
    assert [Path(d["path"]).name for d in report["documents"]] == names


def test_ray_workers_write_parquet_shards_each_document_once(run_cli, invoices, tmp_path):
    pd = pytest.importorskip("pandas")
    schema = REPO / "schemas" / "invoice.json"
    out = tmp_path / "shards"
    result = run_cli(
        "extract", invoices, "--schema", schema, "--output-dir", out, "--format", "parquet", "--runner", "ray"
    )
    assert result.code == 0, result.err
    assert "shards written by the Ray workers" in result.err
    frame = pd.concat([pd.read_parquet(p) for p in sorted(out.glob("part-*.parquet"))])
    assert sorted(frame["_file"]) == sorted(str(p) for p in invoices.glob("*.pdf"))  # each once
    assert all(key.startswith(f"{invoices}/") for key in frame["_doc_key"])  # path|size|mtime


def test_max_failures_and_document_timeout_mean_the_same_on_ray(run_cli, many, tmp_path):
    from tests.vllm_stub import error

    folder, schema = many
    stub = StubServer()
    # every request is refused (HTTP 400): the driver stops at the second failure, as the local runner does
    stub.default = lambda body: Scripted(status=400, body=error(400, "bad request"))
    report = tmp_path / "r.json"
    try:
        result = run_cli(
            "extract", folder, "--schema", schema, "--runner", "ray", "--workers", "1", "--concurrency", "1",
            "--server", stub.url, "--max-failures", "2", "--report", report, "-o", tmp_path / "out.jsonl",
        )  # fmt: skip
        slow = StubServer()
        slow.default = lambda body: Scripted(body=completion(GOOD), delay=5)
        timed = run_cli(
            "extract", folder / "d00.pdf", "--schema", schema, "--runner", "ray", "--server", slow.url,
            "--document-timeout", "1", "--http-retries", "0",
        )  # fmt: skip
        slow.close()
    finally:
        stub.close()
    assert result.code == 1
    assert "stopped: 2 document(s) failed (--max-failures 2)" in result.err
    payload = json.loads(report.read_text())
    assert len(payload["documents"]) == 2 and len(payload["not_run"]) == 10
    assert timed.code == 1 and "--document-timeout 1" in timed.err


def test_an_in_process_model_runs_in_each_ray_actor(run_cli, tmp_path, pdf_factory):
    """--engine transformers on Ray: each actor loads the model (a tiny random one here, on CPU) and its
    records are the local runner's."""
    from tests.tiny_nano_vl import save_tiny_nano_vl

    checkpoint = save_tiny_nano_vl(tmp_path / "nano")
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(3):
        pdf_factory(f"docs/d{i}.pdf", pages=1)
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"total": {"type": "number"}}}))
    common = ["--schema", schema, "--engine", "transformers", "--model", checkpoint, "--device", "cpu", "--max-tiles", "1",
              "--page-mode", "image", "--max-output", "8", "--retries", "0"]  # fmt: skip
    local, on_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    assert run_cli("extract", folder, *common, "-o", local).code == 0
    result = run_cli("extract", folder, *common, "-o", on_ray, "--runner", "ray", "--workers", "2")
    assert result.code == 0, result.err
    assert on_ray.read_text() == local.read_text()


def test_a_run_ending_error_in_an_actor_keeps_its_exit_code(run_cli, many):
    from tests.vllm_stub import error

    folder, schema = many
    stub = StubServer()
    stub.default = lambda body: Scripted(status=401, body=error(401, "bad key"))  # /models answers, requests do not
    try:
        result = run_cli(
            "extract", folder, "--schema", schema, "--runner", "ray", "--server", stub.url, "--workers", "1"
        )
    finally:
        stub.close()
    assert result.code == 3, result.err  # as the local runner: the engine is unavailable, with the fix
    assert "DOCVL_API_KEY" in result.err and "internal error" not in result.err
