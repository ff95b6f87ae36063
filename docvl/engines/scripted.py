"""An engine whose replies are written by the caller: tasks tested without a model or HTTP.

As pydantic-ai's TestModel or llm's mock model: ``ScriptedEngine(["The total is 40 EUR.\\nPages: 2"])``
answers its requests in order with those texts; a reply may also be a function of the prompt (answer only
when a given page was sent). It keeps every prompt it was given (``prompts``), reads pixels like a model
engine, and declares its capabilities like any other engine, so the tasks cannot tell it from one.

    import docvl
    from docvl.engines.scripted import ScriptedEngine

    engine = ScriptedEngine([lambda p: "HT-7731\\nPages: 10" if 10 in p.page_numbers else "Not here.\\nPages: none"])
    result = docvl.ask("tariffs.pdf", "Which tariff applies?", engine=engine)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

from docvl.engines.base import Capabilities, Generation, Reply
from docvl.prompt import Prompt
from docvl.results import Usage
from docvl.tokens import TokenCounter

ScriptedReply = str | Callable[[Prompt], str]


class ScriptedEngine:
    name = "scripted"

    def __init__(
        self,
        replies: Sequence[ScriptedReply],
        *,
        model: str = "scripted",
        capabilities: Capabilities | None = None,
        repeat_last: bool = True,
    ) -> None:
        """``replies``: one per request, in order; ``repeat_last``: the last one answers every request after
        it (else a request past the script is an error, as a test would want to know)."""
        if not replies:
            raise ValueError("a scripted engine needs at least one reply")
        self.model = model
        self.capabilities = capabilities or Capabilities(reads_pixels=True, image_encoding="png")
        self.prompts: list[Prompt] = []
        self._replies = list(replies)
        self._repeat_last = repeat_last
        self._lock = threading.Lock()  # documents run on threads: one script, taken in order

    def describe(self) -> str:
        return f"scripted ({len(self._replies)} replies)"

    def token_counter(self, template_overhead_tokens: int) -> TokenCounter | None:
        return None

    def generate(self, prompt: Prompt, generation: Generation) -> Reply:
        start = time.perf_counter()
        with self._lock:
            index = len(self.prompts)
            self.prompts.append(prompt)
        if index >= len(self._replies) and not self._repeat_last:
            raise IndexError(f"the script has {len(self._replies)} replies; request {index + 1} has none")
        reply = self._replies[min(index, len(self._replies) - 1)]
        text = reply(prompt) if callable(reply) else reply
        return Reply(
            text=text,
            finish_reason="stop",
            usage=Usage(requests=1, completion_tokens=len(text.split())),
            model=self.model,
            seconds=time.perf_counter() - start,
        )

    def close(self) -> None:
        pass
