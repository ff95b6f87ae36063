"""Engines, found through the ``docvl.engines`` entry-point group, and the `auto` choice between them."""

from __future__ import annotations

import os
from importlib.metadata import entry_points

from docvl.engines.base import Engine, EngineOptions, Generation, Reply
from docvl.errors import UsageError

BUILT_IN = {
    "openai": "docvl.engines.openai_engine:OpenAIEngine",
    "text": "docvl.engines.text_engine:TextEngine",
    "transformers": "docvl.engines.transformers_engine:TransformersEngine",
}

__all__ = ["Engine", "EngineOptions", "Generation", "Reply", "available_engines", "open_engine"]


def available_engines() -> list[str]:
    return sorted({ep.name for ep in entry_points(group="docvl.engines")} | set(BUILT_IN))


def _load(name: str):
    for ep in entry_points(group="docvl.engines"):
        if ep.name == name:
            return ep.load()
    if name in BUILT_IN:  # a source tree that was never installed has no entry points
        module, _, attr = BUILT_IN[name].partition(":")
        return getattr(__import__(module, fromlist=[attr]), attr)
    raise UsageError(f"unknown engine {name!r}", fix=f"choose one of: auto, {', '.join(available_engines())}")


def open_engine(name: str, options: EngineOptions) -> tuple[Engine, str]:
    """The engine to use and, for `auto`, why it was picked."""
    if name != "auto":
        return _load(name)(options), f"--engine {name}"
    if options.server or os.environ.get("DOCVL_BASE_URL"):
        source = "--server" if options.server else "DOCVL_BASE_URL"
        return _load("openai")(options), f"{source} is set"
    return (
        _load("text")(options),
        "no --server or DOCVL_BASE_URL is set, so answers come from the document's text layer "
        "(extractive; start a vLLM server and pass --server for model answers)",
    )
