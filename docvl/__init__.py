"""docvl: ask questions of long documents and extract validated fields with a vision-language model.

The Python API (docvl.api) is what the CLI runs: ``docvl.ask``, ``docvl.extract``, ``docvl.planner`` and
``docvl.ask_many`` / ``docvl.extract_many`` over folders. It is imported on first use, so that
``import docvl`` (and the CLI's start) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ExtractResult", "ask", "ask_many", "extract", "extract_many", "plan"]

if TYPE_CHECKING:
    from docvl.api import ExtractResult, ask, ask_many, extract, extract_many, plan


def __getattr__(name: str) -> Any:
    if name in __all__:
        from docvl import api

        return getattr(api, name)
    raise AttributeError(f"module 'docvl' has no attribute {name!r}")
