"""The engine protocol: a Prompt and generation options in; text, usage and timing out.

Engines are plug-ins registered under the ``docvl.engines`` entry-point group. An engine class is
built with ``cls(options)`` and must say, before any document is read, whether it can run at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from docvl.prompt import Prompt
from docvl.results import Usage
from docvl.tokens import TokenCounter


@dataclass
class EngineOptions:
    """Everything a user can set about engines; each engine reads what concerns it."""

    servers: tuple[str, ...] = ()  # server URLs (the openai engine spreads documents over them)
    model: str | None = None
    api_key: str | None = None
    timeout: float = 300.0
    retries: int = 4
    backoff: float = 0.5  # seconds before the first retry; doubled each time, with jitter
    concurrency: int = 4
    structured: str = "auto"  # auto | structured_outputs | guided_json | response_format | off
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Generation:
    """How to sample one reply."""

    max_tokens: int
    temperature: float = 0.0
    top_p: float | None = None
    max_tiles: int = 12  # tiles per page the plan counted; servers are told to tile the same way
    json_schema: dict[str, Any] | None = None  # constrain the reply to this schema where supported
    timeout: float | None = None  # seconds this reply may take at most (what --document-timeout leaves)
    logprobs: bool = False  # report each generated token's log-probability (field confidence)
    document: str | None = None  # whose request this is: a server engine sends a document's requests to one server


@dataclass
class Reply:
    text: str
    reasoning: str | None = None
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    # (token text, log-probability) of each generated token, when the engine reports them
    token_logprobs: list[tuple[str, float]] | None = None
    server: str | None = None  # which server answered, for engines that spread requests over several


@dataclass(frozen=True)
class Capabilities:
    """What an engine can do, declared by the engine: the tasks and the planner ask this, never the
    engine's class or its other attributes."""

    reads_pixels: bool = True  # False: it reads the text layer only and never needs page images drawn
    image_encoding: str | None = None  # "jpeg" / "png" when page images travel as files; None: in-process
    max_request_tokens: int | None = None  # the longest request it takes (a server's --max-model-len)
    parallel_requests: bool = True  # several requests may be in flight at once (--concurrency)
    schema_constrained: bool = False  # it can constrain a reply to a JSON Schema
    token_logprobs: bool = False  # it reports each generated token's log-probability (field confidence)
    extractive: bool = False  # its answers are quoted passages, not generated text (never "not found")
    # an engine that reads text but reads a page with no text layer from its image itself (OCR): the
    # pipeline draws those pages for it
    reads_textless_pages: bool = False


class Engine(Protocol):
    name: str
    model: str | None  # what results record as the model (None: no model, the text engine)
    capabilities: Capabilities

    def token_counter(self, template_overhead_tokens: int) -> TokenCounter | None:
        """The engine's own tokenizer as a counter, for exact plans; None when it has none to offer."""
        ...

    def describe(self) -> str:
        """One line for the user: which engine, which model or server."""
        ...

    def generate(self, prompt: Prompt, generation: Generation) -> Reply: ...

    def close(self) -> None: ...
