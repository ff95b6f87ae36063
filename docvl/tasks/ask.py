"""`ask`: one question, one answer, and the pages it rests on."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from docvl.engines.base import Engine, Generation
from docvl.errors import EngineUnavailable, InputError
from docvl.load import load_document
from docvl.parse import cite_pages, split_reasoning
from docvl.plan import plan_pages
from docvl.prompt import ASK_INSTRUCTIONS, ask_prompt
from docvl.results import DocumentResult, ErrorItem, Usage
from docvl.tasks.windows import window_inputs


@dataclass
class AskOptions:
    question: str
    think: bool = False
    password: str | None = None
    dpi: float = 200.0
    renderer: str = "pymupdf"
    workers: int = 1


def ask_document(path: Path, options: AskOptions, *, engine: Engine, planning) -> DocumentResult:
    """Never raises for a problem with this document: the result says what went wrong."""
    started = time.perf_counter()
    result = DocumentResult(path=str(path), task="ask", status="failed", question=options.question, engine=engine.name)
    profile = planning.profile
    system = profile.chat.think_system if options.think else profile.chat.no_think_system
    sampling = profile.chat.think_sampling if options.think else profile.chat.no_think_sampling
    try:
        doc = load_document(path, password=options.password, selection=planning.selection, dpi=options.dpi)
        result.warnings.extend(w.message for w in doc.warnings)
        result.timings.load_s = time.perf_counter() - started
        user = f"Question: {options.question}\n\n{ASK_INSTRUCTIONS}"
        plan = plan_pages(
            doc.pages, profile=profile, counter=planning.counter, system=system, user=user, settings=planning.settings
        )
        result.plan = plan
        answers: list[tuple[str, list[int]]] = []
        usage = Usage()
        reasoning: list[str] = []
        truncated = False
        for window in window_inputs(
            doc, plan, engine, tile_size=profile.tile_size, renderer=options.renderer, workers=options.workers
        ):
            result.timings.render_s += window.seconds
            result.warnings.extend(window.warnings)
            prompt = ask_prompt(system, options.question, window.pages, window.texts)
            reply = engine.generate(
                prompt,
                Generation(
                    max_tokens=plan.settings.max_output,
                    temperature=sampling.get("temperature", 0.0),
                    top_p=sampling.get("top_p"),
                    max_tiles=window.max_tiles,
                ),
            )
            result.timings.engine_s += reply.seconds
            result.warnings.extend(reply.notes)
            usage = usage.add(reply.usage)
            result.model = reply.model or result.model
            answer, inline_reasoning = split_reasoning(reply.text)
            for trace in (reply.reasoning, inline_reasoning):
                if trace:
                    reasoning.append(trace)
            truncated = truncated or reply.finish_reason == "length"
            cites = cite_pages(answer, window.numbers)
            if cites.unknown:
                result.warnings.append(
                    f"the answer cites page(s) {', '.join(map(str, cites.unknown))} that were not sent; ignored"
                )
            answers.append((cites.text, cites.pages))
        result.usage = usage
        result.reasoning = "\n\n".join(reasoning) or None
        result.extractive = engine.reads == "text"
        if len(answers) == 1:
            result.answer, result.pages = answers[0]
        else:
            # One answer per window until map-reduce lands: each is kept with the pages it cites.
            cited = [(text, pages) for text, pages in answers if pages]
            chosen = cited or answers
            result.answer = "\n\n".join(text for text, _ in chosen)
            result.pages = sorted({n for _, pages in chosen for n in pages})
            result.warnings.append(
                f"the document needed {len(answers)} requests; the answers of those that cite pages are joined"
            )
        result.status = "ok"
        if truncated:
            result.status = "partial"
            result.errors.append(
                ErrorItem(
                    code="truncated", message="the answer hit --max-output and was cut off", fix="raise --max-output"
                )
            )
    except InputError as exc:
        result.errors.append(ErrorItem(code=exc.code, message=exc.message, fix=exc.fix))
    except EngineUnavailable:
        raise  # no document can succeed: the run ends with exit 3
    except Exception as exc:  # a failed request for this document; the batch goes on
        result.errors.append(ErrorItem(code="engine", message=f"{type(exc).__name__}: {exc}"))
    result.timings.total_s = time.perf_counter() - started
    return result
