"""docvl against a real OpenAI-compatible server on 127.0.0.1: `transformers serve` with a tiny VLM.

What only a real server shows: that it accepts docvl's requests (data-URL JPEG pages, the chat
layout), processes every page image, reports usage, and that docvl copes with what it refuses
(transformers serve rejects vLLM's mm_processor_kwargs with a 422).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    pytest.importorskip("torch", reason="needs torch (CI installs the CPU wheel: pip install torch==2.13.0)")
    pytest.importorskip("fastapi", reason="needs transformers[serving] (CI installs it)")
    cli = shutil.which("transformers", path=str(Path(sys.executable).parent)) or shutil.which("transformers")
    if cli is None:
        pytest.skip("the `transformers` command (transformers[serving]) is not installed")
    from tests.tiny_vlm import build

    model = build(tmp_path_factory.mktemp("tiny-vlm"))
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [cli, "serve", str(model), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu"],
            stdout=fh, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.time() + 120
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"transformers serve exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.terminate()
        pytest.fail(f"transformers serve did not start in 120 s: {log.read_text()[-2000:]}")
    yield url + "/v1", str(model)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_ask_over_a_real_server(server, run_cli, pdf_factory):
    url, model = server
    flags = ("--server", url, "--max-output", "8", "--json", "--page-mode", "image")
    one = json.loads(run_cli("ask", pdf_factory("one.pdf", pages=1), "Total?", *flags).out)
    two_run = run_cli("ask", pdf_factory("two.pdf", pages=2), "Total?", *flags)
    two = json.loads(two_run.out)
    for result in (one, two):
        assert result["status"] in ("ok", "partial"), result["errors"]  # random weights: any text, maybe cut off
        assert result["model"] == model  # the id the server lists at /v1/models
        assert result["usage"]["completion_tokens"] == 8 and result["usage"]["requests"] == 1
        assert any("mm_processor_kwargs" in w for w in result["warnings"])  # refused, dropped, said so
        (request,) = result["requests"]  # what the plan counted beside what the server reported
        assert request["prompt_tokens"] == result["usage"]["prompt_tokens"] > 0
        assert request["planned_prompt_tokens"] == result["plan"]["windows"][0]["tokens"]
    # Each page image reached the model: the second page adds its label and exactly one image's tokens.
    from tests.tiny_vlm import IMAGE_TOKENS_PER_IMAGE

    extra = two["usage"]["prompt_tokens"] - one["usage"]["prompt_tokens"]
    assert IMAGE_TOKENS_PER_IMAGE < extra < IMAGE_TOKENS_PER_IMAGE + 12
    assert "engine: openai" in two_run.err


def test_extract_over_a_real_server_keeps_the_record(server, run_cli, pdf_factory, tmp_path):
    url, _ = server
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"total": {"type": "number"}}}))
    out = tmp_path / "out.jsonl"
    result = run_cli("extract", pdf_factory(pages=1), "--schema", schema, "--server", url, "--max-output", "8",
                     "--retries", "1", "-o", out)  # fmt: skip
    # A random model never writes valid JSON: the record is kept as partial with the reply and the errors.
    assert result.code == 0, result.err
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["_status"] == "partial" and row["_errors"] and "_raw_reply" in row
