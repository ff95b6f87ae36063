"""The engine protocol: a Prompt and generation options in; text, usage and timing out.

Engines are plug-ins registered under the ``docvl.engines`` entry-point group. An engine class is
built with ``cls(options)`` and must say, before any document is read, whether it can run at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from docvl.prompt import Prompt
from docvl.results import Usage


@dataclass
class EngineOptions:
    """Everything a user can set about engines; each engine reads what concerns it."""

    server: str | None = None
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


class Engine(Protocol):
    name: str
    # "pixels": the engine reads rendered pages; "text": it reads text layers and never needs pixels.
    reads: str
    # Encoding for page images ("jpeg", "png") when the engine sends files; None for in-process pixels.
    image_encoding: str | None

    def describe(self) -> str:
        """One line for the user: which engine, which model or server."""
        ...

    def generate(self, prompt: Prompt, generation: Generation) -> Reply: ...

    def close(self) -> None: ...
