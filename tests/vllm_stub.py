"""A recorded-response server on 127.0.0.1 that speaks vLLM's OpenAI-compatible API.

For what a real server cannot be made to show on demand (reasoning_content, finish_reason "length",
429/500, slow replies, malformed JSON), tests script the replies; payloads follow vLLM's
ChatCompletionResponse, model list and error schemas. Every request body is recorded so tests can
check exactly what docvl sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-BF16"


def completion(
    content: str | None,
    *,
    reasoning: str | None = None,
    finish: str = "stop",
    prompt_tokens: int = 1800,
    completion_tokens: int = 12,
    logprobs: list[tuple[str, float]] | None = None,
) -> dict[str, Any]:
    """A vLLM chat completion body (vllm.entrypoints.openai.protocol.ChatCompletionResponse); ``logprobs``
    (token, logprob) pairs become its ChatCompletionLogProbs, as vLLM sends them for `"logprobs": true`."""
    return {
        "id": "chatcmpl-9f1c2b7e3d4a4c5b8e6f",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "reasoning_content": reasoning, "tool_calls": []},
                "logprobs": None
                if logprobs is None
                else {
                    "content": [
                        {"token": t, "logprob": lp, "bytes": list(t.encode("utf-8")), "top_logprobs": []}
                        for t, lp in logprobs
                    ]
                },
                "finish_reason": finish,
                "stop_reason": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "completion_tokens": completion_tokens,
            "prompt_tokens_details": None,
        },
        "prompt_logprobs": None,
        "kv_transfer_params": None,
    }


def error(status: int, message: str) -> dict[str, Any]:
    """vLLM's ErrorResponse body."""
    kinds = {400: "BadRequestError", 429: "RateLimitError", 500: "InternalServerError", 503: "ServiceUnavailableError"}
    return {"error": {"message": message, "type": kinds.get(status, "Error"), "param": None, "code": status}}


@dataclass
class Scripted:
    status: int = 200
    body: Any = None  # dict (sent as JSON) or str/bytes (sent raw)
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class StubServer:
    version: str | None = "0.11.1"
    max_model_len: int = 49152  # what /v1/models reports (vllm serve --max-model-len)
    script: list[Scripted] = field(default_factory=list)
    default: Callable[[dict[str, Any]], Scripted] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    close_after: int | None = None  # stop serving after this many completions (a server going away)
    in_flight: int = 0
    max_in_flight: int = 0
    url: str = ""

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = (
                    body
                    if isinstance(body, bytes)
                    else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/v1/models":
                    self._send(
                        200,
                        {
                            "object": "list",
                            "data": [
                                {
                                    "id": MODEL,
                                    "object": "model",
                                    "created": 0,
                                    "owned_by": "vllm",
                                    "root": MODEL,
                                    "parent": None,
                                    "max_model_len": stub.max_model_len,
                                }
                            ],
                        },
                    )
                elif self.path == "/version" and stub.version:
                    self._send(200, {"version": stub.version})
                else:
                    self._send(404, {"detail": "Not Found"})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub._lock:
                    stub.requests.append(body)
                    stub.headers.append({k.lower(): v for k, v in self.headers.items()})
                    if stub.close_after is not None and len(stub.requests) >= stub.close_after:
                        threading.Thread(target=stub.close, daemon=True).start()
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                    reply = (
                        stub.script.pop(0)
                        if stub.script
                        else (stub.default(body) if stub.default else Scripted(500, error(500, "no scripted reply")))
                    )
                try:
                    time.sleep(reply.delay)
                    self._send(reply.status, reply.body, reply.headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        if getattr(self, "_closed", False):
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
