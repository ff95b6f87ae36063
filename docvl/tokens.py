"""Counting text tokens: exactly with a tokenizer when one is given, otherwise a conservative estimate.

The estimate is one token per three UTF-8 bytes, rounded up. Byte-level BPE tokenizers with large
vocabularies (Nemotron-H's has 131,072 entries) average four or more bytes per token on English prose,
so this over-counts Latin-script text by about a third; a CJK character is three bytes and rarely
costs more than one token. Over-counting wastes a little budget, under-counting would overflow the
context, so the estimate errs on the side that cannot fail a request.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

from docvl.errors import UsageError

BYTES_PER_TOKEN_ESTIMATE = 3


class TokenCounter(Protocol):
    name: str
    exact: bool

    def count(self, text: str) -> int:
        """Tokens in ``text`` on its own, no special tokens."""
        ...

    def count_chat(self, system: str, user: str) -> int:
        """Tokens of a system + user exchange as the chat template lays it out, assistant prefix included."""
        ...


class EstimateCounter:
    exact = False

    def __init__(self, template_overhead_tokens: int) -> None:
        self.template_overhead_tokens = template_overhead_tokens
        self.name = f"estimate (1 token per {BYTES_PER_TOKEN_ESTIMATE} UTF-8 bytes)"

    def count(self, text: str) -> int:
        return math.ceil(len(text.encode("utf-8")) / BYTES_PER_TOKEN_ESTIMATE)

    def count_chat(self, system: str, user: str) -> int:
        return self.count(system) + self.count(user) + self.template_overhead_tokens


class HFTokenizerCounter:
    """Any tokenizer transformers can load from a local folder (tokenizer.json, tokenizer_config.json, ...)."""

    exact = True

    def __init__(self, path: str | Path, template_overhead_tokens: int) -> None:
        folder = Path(path).expanduser()
        if not folder.exists():
            raise UsageError(
                f"--tokenizer {path}: no such file or folder",
                fix="pass the folder that holds tokenizer.json / tokenizer_config.json (a model checkout)",
            )
        try:
            from transformers import AutoTokenizer
        except ImportError as exc:
            raise UsageError(
                "--tokenizer needs the transformers package",
                fix="pip install 'docvl[hf]' (or pip install transformers)",
            ) from exc
        try:
            self._tok = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
        except Exception as exc:  # transformers raises many types here; all mean "not a tokenizer"
            raise UsageError(
                f"--tokenizer {path}: transformers could not load a tokenizer from it ({exc})",
                fix="pass a folder saved with tokenizer.save_pretrained() or a model checkout",
            ) from exc
        self.template_overhead_tokens = template_overhead_tokens
        self.name = f"tokenizer {folder}"

    @classmethod
    def of(cls, tokenizer, name: str, template_overhead_tokens: int) -> HFTokenizerCounter:
        """A counter over a tokenizer already loaded (an in-process engine's own)."""
        counter = cls.__new__(cls)
        counter._tok, counter.name, counter.template_overhead_tokens = tokenizer, name, template_overhead_tokens
        return counter

    def count(self, text: str) -> int:
        return len(self._tok.encode(text, add_special_tokens=False))

    def count_chat(self, system: str, user: str) -> int:
        if getattr(self._tok, "chat_template", None):
            messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            try:
                # a list of ids, or (transformers 5) a BatchEncoding holding them
                ids: Any = self._tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
            except ImportError as exc:  # transformers needs jinja2 for chat templates
                raise UsageError(f"--tokenizer: {exc}", fix="pip install 'docvl[hf]' (or pip install jinja2)") from exc
            except Exception as exc:  # a template that rejects this layout (e.g. no system role)
                raise UsageError(
                    f"--tokenizer: its chat template cannot lay out a system + user exchange ({exc})",
                    fix="use the model's own tokenizer folder",
                ) from exc
            if isinstance(ids, dict) or hasattr(ids, "keys"):  # transformers 5 returns a BatchEncoding
                ids = ids["input_ids"]
            return len(ids)
        return self.count(system) + self.count(user) + self.template_overhead_tokens


def make_counter(tokenizer: str | Path | None, template_overhead_tokens: int) -> TokenCounter:
    if tokenizer:
        return HFTokenizerCounter(tokenizer, template_overhead_tokens)
    return EstimateCounter(template_overhead_tokens)
