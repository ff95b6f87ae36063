"""What a run produces: one DocumentResult per input, whatever happened to it (docs/design.md §2)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from docvl.planner import Plan

Status = Literal["ok", "partial", "failed"]

# The first line of an extractive answer (DocumentResult.extractive): said to a person reading the answer,
# left out of output rows, whose _extractive column says it on every row (docvl.write)
EXTRACTIVE_HEADER = "Extractive answer (text engine: passages quoted from the document, no model was run)"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            requests=self.requests + other.requests,
        )


class Timings(BaseModel):
    load_s: float = 0.0
    render_s: float = 0.0
    engine_s: float = 0.0
    total_s: float = 0.0


class RequestRecord(BaseModel):
    """One request to the engine: what the plan counted against what the server reported."""

    purpose: Literal["window", "re-ask", "reduce", "widen"]
    window: int | None = Field(None, description="the plan's window (request) number; None for the reduce call")
    planned_prompt_tokens: int = Field(description="prompt tokens the plan counted for this request")
    prompt_tokens: int = Field(0, description="prompt tokens the server reported (0: it reported none)")
    completion_tokens: int = 0
    finish_reason: str | None = None
    seconds: float = 0.0
    server: str | None = Field(None, description="the server that answered (server engines)")


class Round(BaseModel):
    """One look at a document (ask): the pages sent, and whether the model found the answer in them."""

    round: int
    pages: list[int]
    found: bool


class FieldConflict(BaseModel):
    """Windows of one document that gave a field different values (map-reduce extraction)."""

    field: str
    kept: Any
    kept_pages: list[int] = Field(default_factory=list)
    other: Any
    other_pages: list[int] = Field(default_factory=list)


class ErrorItem(BaseModel):
    code: str
    message: str
    fix: str | None = None


class DocumentResult(BaseModel):
    path: str
    task: Literal["ask", "extract"]
    status: Status
    # ask
    question: str | None = None
    answer: str | None = None
    pages: list[int] = Field(default_factory=list, description="pages the answer rests on (1-based)")
    evidence: list[dict[str, Any]] = Field(
        default_factory=list,
        description="where the answer rests: page, bbox (PDF points, top-left origin, page as displayed), text, match",
    )
    extractive: bool = Field(False, description="the answer is quoted passages, not generated text")
    reasoning: str | None = None
    rounds: list[Round] = Field(
        default_factory=list, description="each look at the document: a wider one follows a 'not in these pages'"
    )
    # extract
    data: dict[str, Any] | None = None
    field_pages: dict[str, list[int]] = Field(default_factory=dict, description="field path -> source pages")
    field_confidence: dict[str, float] = Field(
        default_factory=dict,
        description="field -> probability of the least likely token of its value (engines that report log-probs)",
    )
    field_boxes: dict[str, list[dict[str, Any]]] = Field(
        default_factory=dict,
        description="value path (total, lines[0].name) -> where it stands: page, bbox in PDF points (top-left origin, "
        "page as displayed), match (exact, normalised, fuzzy), text, page_size (docvl.grounding)",
    )
    unlocated: dict[str, str] = Field(
        default_factory=dict, description="value path -> why it was found nowhere in the document"
    )
    raw_reply: str | None = Field(None, description="the last reply, kept when no JSON could be read from it")
    conflicts: list[FieldConflict] = Field(default_factory=list, description="fields windows disagreed on")
    # bookkeeping
    errors: list[ErrorItem] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    engine: str | None = None
    model: str | None = None
    plan: Plan | None = None
    usage: Usage = Field(default_factory=Usage)
    requests: list[RequestRecord] = Field(default_factory=list, description="every engine call, planned vs reported")
    timings: Timings = Field(default_factory=Timings)

    @property
    def pages_sent(self) -> int:
        """Pages the engine was sent: every look's (ask's wider looks send more than the first plan)."""
        looked = {n for r in self.rounds for n in r.pages}
        return len(looked) if looked else (len(self.plan.pages) if self.plan else 0)
