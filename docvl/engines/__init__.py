"""Engines, found through the ``docvl.engines`` entry-point group, and the `auto` choice between them."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

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
    """The engine to use and, for `auto`, why it was picked. ``options.extra`` is checked against the
    engine's own ``Options`` model first: a setting the engine does not take is a usage error, not a
    setting silently ignored."""
    if name != "auto":
        chosen, why = name, f"--engine {name}"
    elif options.servers or os.environ.get("DOCVL_BASE_URL", "").strip():
        chosen, why = "openai", f"{'--server' if options.servers else 'DOCVL_BASE_URL'} is set"
    else:
        chosen = "text"
        why = (
            "no --server or DOCVL_BASE_URL is set, so answers come from the document's text layer "
            "(extractive; start a vLLM server and pass --server for model answers)"
        )
    cls = _load(chosen)
    engine_settings(cls, chosen, options.extra)
    return cls(options), why


def engine_settings(cls: type, name: str, extra: Mapping[str, Any]) -> BaseModel:
    """``extra`` (--device, --dtype, --loader...) validated against the engine class's ``Options``; a
    plug-in without one takes none."""
    model: type[BaseModel] = getattr(cls, "Options", NoOptions)
    try:
        return model.model_validate(dict(extra))
    except ValidationError as exc:
        error = exc.errors()[0]
        flag = "--" + str(error["loc"][0]).replace("_", "-") if error["loc"] else "an option"
        if error["type"] == "extra_forbidden":
            takers = [n for n in BUILT_IN if n != name and flag[2:].replace("-", "_") in _fields(n)]
            raise UsageError(
                f"{flag} {error['input']} does not apply to --engine {name}",
                fix=f"drop {flag}" + (f", or use --engine {takers[0]}" if takers else ""),
            ) from None
        raise UsageError(f"{flag} {error['input']!r}: {error['msg']}", fix="see docvl ask --help") from None


class NoOptions(BaseModel):
    """An engine's settings when it has none of its own."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _fields(name: str) -> set[str]:
    return set(getattr(_load(name), "Options", NoOptions).model_fields)
