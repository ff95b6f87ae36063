"""The `openai` engine: any OpenAI-compatible server — vLLM, SGLang, NVIDIA NIM or a hosted endpoint.

Pages travel as image_url data URLs already drawn at their grid size, and each request tells the
server to tile with the plan's max_tiles (vLLM's mm_processor_kwargs), so the server's token count
matches the plan's. JPEG (quality 90, no chroma subsampling) is the page encoding: bench/encode.py
measured it 5x faster to encode than PNG, a third larger on text pages and half the size on scans, with a
mean error under one grey level.
"""

from __future__ import annotations

import base64
import email.utils
import json
import os
import random
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

from docvl.engines.base import Capabilities, EngineOptions, Generation, Reply
from docvl.engines.servers import Server, ServerDown, Servers, server_urls
from docvl.errors import EngineRequestError, EngineUnavailable, UsageError
from docvl.prompt import ImagePart, Prompt, TextPart
from docvl.results import Usage
from docvl.tokens import TokenCounter

DEFAULT_SERVE = "vllm serve nvidia/NVIDIA-Nemotron-Nano-12B-v2-VL-BF16 --trust-remote-code --max-model-len 49152"
STRUCTURED_MODES = ("auto", "structured_outputs", "guided_json", "response_format", "off")
RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}
# Request fields that only some servers know (vLLM, SGLang). A server that rejects one of them by name
# (transformers serve answers 422 "Unexpected fields") gets the request again without it.
VENDOR_FIELDS = ("mm_processor_kwargs", "structured_outputs", "guided_json", "logprobs")
VENDOR_NOTES = {
    "mm_processor_kwargs": "the server does not take mm_processor_kwargs: it tiles pages with its own settings, "
    "so its token counts may differ from the plan",
    "structured_outputs": "the server does not take structured_outputs: replies are validated, not constrained",
    "guided_json": "the server does not take guided_json: replies are validated, not constrained",
    "logprobs": "the server gives no token log-probabilities: fields have no confidence",
}


# how vLLM words a request longer than --max-model-len (old and new wording)
CONTEXT_LIMIT = re.compile(
    r"maximum context length is (\d+)|longer than the maximum model length of (\d+)", re.IGNORECASE
)
# how vLLM words a request with more images than --limit-mm-per-prompt allows (old and new wording)
IMAGE_LIMIT = re.compile(
    r"at most (\d+) image\(s\) may be provided|set image=(\d+)|defaulted to '\{\"image\": (\d+)\}'", re.IGNORECASE
)
REQUESTED = re.compile(r"you requested (\d+) tokens|prompt \(length (\d+)\)", re.IGNORECASE)


class OpenAIEngine:
    name = "openai"

    def __init__(self, options: EngineOptions, *, client: httpx.Client | None = None) -> None:
        urls = server_urls(options.servers or [os.environ.get("DOCVL_BASE_URL", "")])
        if not urls:
            raise UsageError("the openai engine needs a server", fix="pass --server URL or set DOCVL_BASE_URL")
        if options.structured not in STRUCTURED_MODES:
            raise UsageError(
                f"--structured {options.structured!r} is not a mode",
                fix=f"choose one of: {', '.join(STRUCTURED_MODES)}",
            )
        for url in urls:
            if not re.match(r"^https?://[^/\s]+", url):
                raise UsageError(
                    f"--server {url!r} is not an http(s) URL", fix="e.g. --server http://localhost:8000/v1"
                )
        self.options = options
        key = options.api_key or os.environ.get("DOCVL_API_KEY") or os.environ.get("OPENAI_API_KEY")
        self._headers = {"Authorization": f"Bearer {key}"} if key else {}
        self.servers = Servers(
            [
                Server(_v1(url), client if client is not None and len(urls) == 1 else self._client_for(url))
                for url in urls
            ]
        )
        self.base_url = self.servers.all[0].url
        self._left_out: list[str] = []  # servers that did not answer at start: "URL (why)"
        try:
            self.model = self._check_models(options.model)
            self.structured = self._structured_mode(options.structured)
        except BaseException:
            self.servers.close()
            raise
        self._rejected: set[str] = set()  # vendor fields this server turned down; shared by threads
        self._lock = threading.Lock()
        self.capabilities = Capabilities(
            reads_pixels=True,
            image_encoding="jpeg",
            max_request_tokens=self.max_model_len,
            parallel_requests=True,
            schema_constrained=self.structured != "off",
            token_logprobs=True,  # asked for; a server that gives none is said per reply
        )

    def _client_for(self, url: str) -> httpx.Client:
        try:
            return httpx.Client(
                base_url=_v1(url),
                headers=self._headers,
                timeout=httpx.Timeout(self.options.timeout, connect=10.0),
                limits=httpx.Limits(
                    max_connections=max(4, self.options.concurrency * 2),
                    max_keepalive_connections=max(4, self.options.concurrency * 2),  # httpx keeps 20 by default
                ),
            )
        except httpx.InvalidURL as exc:
            raise UsageError(
                f"--server {url!r} is not a valid URL ({exc})", fix="e.g. --server http://localhost:8000/v1"
            ) from exc

    def token_counter(self, template_overhead_tokens: int) -> TokenCounter | None:
        return None  # the server's tokenizer is not here: --tokenizer DIR gives exact counts

    # set-up ---------------------------------------------------------------------------------------

    def _get(self, server: Server, path: str) -> httpx.Response:
        try:
            return server.client.get(path)
        except httpx.TransportError as exc:
            raise EngineUnavailable(
                f"the server at {server.url} did not answer ({type(exc).__name__}: {exc})",
                fix=f"start it, e.g. `{DEFAULT_SERVE}`, or point --server / DOCVL_BASE_URL at a running one",
            ) from exc

    def _check_models(self, wanted: str | None) -> str:
        """The model to ask: --model if the servers serve it, else the first one the first server lists.
        A server that does not answer is left out until it does, as long as one answers; every server
        that answers must serve the model."""
        chosen: str | None = None
        lengths: list[int] = []
        silent: list[EngineUnavailable] = []
        for server in self.servers.all:
            try:
                response = self._get(server, "/models")
            except EngineUnavailable as exc:
                if len(self.servers) == 1:
                    raise
                silent.append(exc)
                self.servers.take_out(server)
                self._left_out.append(f"{server.url} ({exc.__cause__.__class__.__name__})")
                continue
            model, length = self._model_on(server, response, wanted or chosen, first=chosen is None)
            chosen = chosen or model
            if length is not None:
                lengths.append(length)
        if chosen is None:  # several servers, none answering
            raise EngineUnavailable(
                "none of the servers answered: " + "; ".join(str(e) for e in silent),
                fix=f"start them, e.g. `{DEFAULT_SERVE}`, or point --server / DOCVL_BASE_URL at running ones",
            )
        # vLLM says how long a request it takes (vllm serve --max-model-len); the plan must fit every server
        self.max_model_len = min(lengths) if lengths else None
        return chosen

    def _model_on(
        self, server: Server, response: httpx.Response, wanted: str | None, *, first: bool
    ) -> tuple[str, int | None]:
        """The model asked of ``server`` (``wanted``, or the first it lists when this is the first server
        to answer) and its max_model_len if it says."""
        if response.status_code in (401, 403):
            raise EngineUnavailable(
                f"the server at {server.url} refused the API key (HTTP {response.status_code})",
                fix="set DOCVL_API_KEY (or OPENAI_API_KEY) to a valid key",
            )
        try:
            cards = {m["id"]: m for m in response.json().get("data", [])}
        except (ValueError, KeyError, TypeError, AttributeError):
            cards = {}
        models = list(cards)
        chosen = wanted or (models[0] if models else None)
        length = (cards.get(chosen) or {}).get("max_model_len")
        length = length if type(length) is int and length > 0 else None
        if wanted:
            if models and wanted not in models:
                raise EngineUnavailable(
                    f"the server at {server.url} does not serve {'--model ' if first else 'the model '}{wanted!r}",
                    fix=f"it serves: {', '.join(models[:5])}"
                    + ("" if first else "; every --server must serve the same model"),
                )
            return wanted, length  # some hosted endpoints list nothing but serve what they are asked for
        if chosen is None:
            raise EngineUnavailable(
                f"the server at {server.url} lists no model at /v1/models (HTTP {response.status_code})",
                fix="pass --model NAME",
            )
        return chosen, length

    def _structured_mode(self, requested: str) -> str:
        """vLLM >= 0.10.2 takes `structured_outputs`, older vLLM `guided_json`; other servers speak only
        OpenAI's `response_format`. vLLM ignores fields it does not know, so the version decides."""
        if requested != "auto":
            return requested
        server = next(s for s in self.servers.all if not s.out_until)  # one that answered /models
        try:
            response = server.client.get(server.url.removesuffix("/v1") + "/version")
            version = response.json().get("version") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, AttributeError):
            version = None
        if not version:
            return "response_format"
        parts = [int(p) for p in re.findall(r"\d+", str(version))[:3]] + [0, 0, 0]
        return "structured_outputs" if tuple(parts[:3]) >= (0, 10, 2) else "guided_json"

    def describe(self) -> str:
        urls = [s.url for s in self.servers.all]
        where = urls[0] if len(urls) == 1 else f"{len(urls)} servers: {', '.join(urls)}"
        left = f"; left out until they answer: {', '.join(self._left_out)}" if self._left_out else ""
        return f"openai ({self.model} at {where}; structured output: {self.structured}{left})"

    # requests -------------------------------------------------------------------------------------

    def payload(self, prompt: Prompt, generation: Generation) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        for part in prompt.parts:
            if isinstance(part, TextPart):
                content.append({"type": "text", "text": part.text})
            elif isinstance(part, ImagePart):
                encoded = part.page.encoded
                if encoded is None:
                    raise ValueError("the openai engine needs pages rendered with encode='jpeg' or 'png'")
                mime = "image/jpeg" if encoded.format == "jpeg" else "image/png"
                content.append({"type": "image_url", "image_url": {"url": DataUrl(mime, encoded.data)}})
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": prompt.system}, {"role": "user", "content": content}],
            "max_tokens": generation.max_tokens,
            "temperature": generation.temperature,
            "mm_processor_kwargs": {"max_num_tiles": generation.max_tiles},
        }
        if generation.top_p is not None:
            body["top_p"] = generation.top_p
        schema = generation.json_schema
        if generation.logprobs:
            body["logprobs"] = True  # each field's confidence (docvl/confidence.py)
        if schema is not None and self.structured != "off":
            if self.structured == "structured_outputs":
                body["structured_outputs"] = {"json": schema}
            elif self.structured == "guided_json":
                body["guided_json"] = schema
            else:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "extraction", "schema": schema, "strict": False},
                }
        return body

    def generate(self, prompt: Prompt, generation: Generation) -> Reply:
        body = self.payload(prompt, generation)
        start = time.perf_counter()
        wanted = [f for f in VENDOR_FIELDS if f in body]
        while True:
            with self._lock:
                rejected = set(self._rejected)
            for name in rejected:
                body.pop(name, None)
            try:
                data, server, moved = self._post(body, generation.timeout, generation.document)
                break
            except EngineRequestError as exc:
                refused = [f for f in VENDOR_FIELDS if f in body and f in str(exc)]
                if not refused:
                    raise _with_image_limit_fix(exc, body) from exc
                with self._lock:
                    self._rejected.update(refused)
        # said on every result it concerns, not only the first document's
        notes = moved + [VENDOR_NOTES[f] for f in wanted if f not in body]
        seconds = time.perf_counter() - start
        try:
            choice = data["choices"][0]
            message = choice.get("message") or {}
            text = message.get("content") or ""
        except (KeyError, IndexError, TypeError) as exc:
            raise EngineRequestError(f"the server's reply has no choices[0].message ({str(data)[:200]})") from exc
        usage = data.get("usage") or {}
        return Reply(
            text=text,
            # vLLM's reasoning parsers put the trace here (newer versions call it "reasoning")
            reasoning=message.get("reasoning_content") or message.get("reasoning"),
            finish_reason=choice.get("finish_reason"),
            usage=Usage(
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                requests=1,
            ),
            model=data.get("model") or self.model,
            seconds=seconds,
            notes=notes,
            token_logprobs=_token_logprobs(choice.get("logprobs")),
            server=server.url,
        )

    def _post(
        self, body: dict[str, Any], limit: float | None = None, document: str | None = None
    ) -> tuple[dict[str, Any], Server, list[str]]:
        """The reply's JSON, the server that gave it and what happened on the way (a server that failed
        and was left for another). ``limit``: seconds the document has left; no single attempt waits
        longer than that. ``document``: whose request this is (its requests go to one server)."""
        content = request_body(body)
        tried: list[Server] = []
        failures: list[str] = []
        while True:
            server = self.servers.pick(document, tried)
            if server is None:  # every server failed this request
                raise EngineRequestError("every server failed this request: " + "; ".join(failures))
            try:
                data = self._post_to(server, content, limit)
            except ServerDown as exc:
                out = self.servers.failed(server, take_out=True)
                if len(self.servers) == 1:
                    raise EngineRequestError(str(exc)) from None
                tried.append(server)
                failures.append(f"{server.url}: {exc}" + (f" (left out for {out:.0f} s)" if out else ""))
                continue
            except BaseException:
                self.servers.failed(server, take_out=False)  # the request's fault (or the document's time)
                raise
            self.servers.answered(server)
            notes = [f"the server at {f}; the request went to {server.url}" for f in failures]
            return data, server, notes

    def _post_to(self, server: Server, content: bytes, limit: float | None) -> dict[str, Any]:
        """One server's answer, with retries. ServerDown when the server is at fault: at once for a
        connection refused or dropped and for a timeout when there are other servers to go to, after the
        retries for 5xx and 429 (after one retry when there are other servers)."""
        timeout: Any = httpx.USE_CLIENT_DEFAULT
        seconds = self.options.timeout
        if limit is not None:
            seconds = max(0.1, min(self.options.timeout, limit))
            timeout = httpx.Timeout(seconds, connect=min(10.0, seconds))
        several = len(self.servers) > 1
        attempts = min(self.options.retries, 1) + 1 if several else self.options.retries + 1
        last = ""
        for attempt in range(attempts):
            try:
                response = server.client.post(
                    "/chat/completions", content=content, headers={"Content-Type": "application/json"}, timeout=timeout
                )
            except httpx.ConnectError as exc:
                # Down mid-batch (a restart, say): retried with backoff; if it stays down this document
                # fails and the finished ones are still written.
                last = f"the server at {server.url} refused the connection ({exc})"
                if several:
                    raise ServerDown(last) from None
                self._sleep(attempt, attempts, None)
                continue
            except httpx.TimeoutException as exc:
                waited = "10 s to connect" if isinstance(exc, httpx.ConnectTimeout) else f"{seconds:.3g} s"
                last = f"timed out after {waited} ({type(exc).__name__})"
                connect = isinstance(exc, httpx.ConnectTimeout)  # not answering at all: the server's fault
                if several and seconds < self.options.timeout and not connect:  # the document's time ran out
                    raise EngineRequestError(last) from None
                if several:
                    raise ServerDown(last) from None
                self._sleep(attempt, attempts, None)
                continue
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {exc}"
                if several:
                    raise ServerDown(last) from None
                self._sleep(attempt, attempts, None)
                continue
            if response.status_code == 200:
                try:
                    return response.json()
                except ValueError:
                    last = f"HTTP 200 with a body that is not JSON: {response.text[:120]!r}"
                    self._sleep(attempt, attempts, None)
                    continue
            last = f"HTTP {response.status_code}: {_error_text(response)}"
            if response.status_code in (401, 403):
                raise EngineUnavailable(
                    f"the server at {server.url} refused the request ({last})",
                    fix="set DOCVL_API_KEY (or OPENAI_API_KEY) to a valid key",
                )
            if response.status_code == 404:
                raise EngineUnavailable(
                    f"the server at {server.url} has no chat completions for model {self.model!r} ({last})",
                    fix="check --server (it should end in /v1) and --model",
                )
            if response.status_code not in RETRY_STATUS:
                raise EngineRequestError(last)
            self._sleep(attempt, attempts, response.headers.get("retry-after"))
        raise ServerDown(f"gave up after {attempts} attempts; last: {last}")

    def _sleep(self, attempt: int, attempts: int, retry_after: str | None) -> None:
        if attempt >= attempts - 1:  # no wait after the last attempt
            return
        delay = min(30.0, self.options.backoff * 2**attempt) * (0.5 + random.random())
        wait = _retry_after_seconds(retry_after)
        if wait is not None:
            delay = max(delay, min(120.0, wait))
        time.sleep(delay)

    def close(self) -> None:
        self.servers.close()


@dataclass(frozen=True)
class DataUrl:
    """An image_url's ``data:`` URL, kept as the encoded file until the request body is written: the
    base64 text then exists once, inside the body, instead of as a string beside it."""

    mime: str
    data: bytes

    def __str__(self) -> str:
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


# stands in for each DataUrl while the rest of the body is written as JSON
_SLOT = "\x00docvl-image\x00"
_SLOT_JSON = json.dumps(_SLOT).encode("ascii")


def request_body(body: dict[str, Any]) -> bytes:
    """The request's JSON bytes. Page images are spliced in as base64 after the rest is encoded: base64
    needs no JSON escaping, and the encoder scanning megabytes of it for characters to escape was the
    costliest step of a request (measured: a third of the main process's time in a batch of scans)."""
    images: list[DataUrl] = []

    def slot(value: object) -> str:
        if isinstance(value, DataUrl):
            images.append(value)
            return _SLOT
        raise TypeError(f"{type(value).__name__} is not JSON serializable")

    head, *rest = (
        json.dumps(body, default=slot, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        .encode("utf-8")
        .split(_SLOT_JSON)
    )
    parts = [head]
    for image, after in zip(images, rest, strict=True):
        parts.extend((b'"data:', image.mime.encode("ascii"), b";base64,", base64.b64encode(image.data), b'"', after))
    return b"".join(parts)


def _with_image_limit_fix(exc: EngineRequestError, body: dict[str, Any]) -> EngineRequestError:
    """A server that takes fewer images per request, or shorter requests, than this one: say how to plan
    for it."""
    longer = CONTEXT_LIMIT.search(str(exc))
    if longer is not None:
        limit = int(longer.group(1) or longer.group(2))
        asked = REQUESTED.search(str(exc))
        over = int(asked.group(1) or asked.group(2)) - limit if asked else 1024
        lower = max(1024, (limit - over) // 1024 * 1024)
        return EngineRequestError(
            f"the request is longer than the server's {limit:,}-token context ({exc})",
            fix=f"pass --tokenizer with the model's tokenizer folder so text is counted exactly, or --context {lower} "
            "to leave room for the difference; or restart vLLM with a larger --max-model-len",
        )
    match = IMAGE_LIMIT.search(str(exc))
    if match is None:
        return exc
    sent = sum(1 for part in body["messages"][-1]["content"] if part.get("type") == "image_url")
    most = next((g for g in match.groups() if g), None)
    if most == "0":
        return EngineRequestError(f"the server takes no images ({exc})", fix="serve a vision-language model")
    return EngineRequestError(
        f"the server takes {f'at most {most}' if most else 'fewer'} page image(s) per request; this one had {sent} "
        f"({exc})",
        fix=f"pass --max-images {most or 'N'} to split documents over more requests, or restart vLLM with "
        f"--limit-mm-per-prompt '{{\"image\": {max(sent, 64)}}}'",
    )


def _token_logprobs(logprobs: Any) -> list[tuple[str, float]] | None:
    """choices[0].logprobs.content (OpenAI / vLLM ChatCompletionLogProbs) as (token, logprob) pairs."""
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if not isinstance(content, list):
        return None
    try:
        return [(str(item["token"]), float(item["logprob"])) for item in content]
    except (KeyError, TypeError, ValueError):
        return None  # a shape we do not know: no confidence rather than a wrong one


def _v1(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
        if isinstance(data, dict):
            error = data.get("error")
            err = error if isinstance(error, dict) else data
            return str(err.get("message") or err.get("detail") or data)[:300]
    except ValueError:
        pass
    return response.text[:300]


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
