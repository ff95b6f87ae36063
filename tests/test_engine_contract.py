"""The engine contract (docvl.engines.base): engines declare what they can do, the tasks ask only that,
and a ScriptedEngine drives the tasks with no model and no HTTP."""

from __future__ import annotations

import json

import pytest

import docvl
from docvl.engines.base import Capabilities
from docvl.engines.scripted import ScriptedEngine
from docvl.engines.text_engine import TextEngine
from tests.conftest import make_pdf
from tests.test_widen import ANSWER_PAGE, _tariff_pdf

SMALL = {"page_mode": "image", "context": 16_384}  # the 60-page document does not fit: ranked, widened


def test_every_engine_declares_its_capabilities():
    from docvl.engines.openai_engine import OpenAIEngine
    from docvl.engines.transformers_engine import TransformersEngine

    assert TextEngine.capabilities == Capabilities(reads_pixels=False, parallel_requests=False, extractive=True)
    assert TextEngine().capabilities.reads_textless_pages  # with the ocr extra: scans are drawn for it to read
    assert TransformersEngine.capabilities.reads_pixels and TransformersEngine.capabilities.image_encoding is None
    assert "capabilities" not in vars(OpenAIEngine)  # a server's: known once it answered (its max length)


def test_a_scripted_engine_drives_the_wider_look_without_http(tmp_path):
    pdf = _tariff_pdf(tmp_path / "harbour.pdf", 60, ANSWER_PAGE, strong=12)
    engine = ScriptedEngine(
        [lambda p: f"HT-7731\nPages: {ANSWER_PAGE}" if ANSWER_PAGE in p.page_numbers else "Not here.\nPages: none"]
    )
    result = docvl.ask(pdf, "Which harbour tariff applies to the vessel?", engine=engine, **SMALL)
    assert result.status == "ok" and result.answer == "HT-7731" and result.pages == [ANSWER_PAGE]
    assert len(result.rounds) == len(engine.prompts) >= 2 and not result.rounds[0].found
    assert result.model == "scripted" and not result.extractive


def test_an_extractive_engine_never_widens(tmp_path):
    """Widening asks the capability, not the engine's name: an engine declaring itself extractive keeps
    its first look even when it says none."""
    pdf = _tariff_pdf(tmp_path / "harbour.pdf", 60, ANSWER_PAGE, strong=12)
    quoting = ScriptedEngine(["Nothing quoted.\nPages: none"], capabilities=Capabilities(extractive=True))
    result = docvl.ask(pdf, "Which harbour tariff applies to the vessel?", engine=quoting, **SMALL)
    assert len(quoting.prompts) == 1 and len(result.rounds) <= 1 and result.extractive


def test_a_scripted_extraction(tmp_path):
    pdf = make_pdf(tmp_path / "inv.pdf", pages=1, text="Invoice INV-7, total 40.00 EUR")
    engine = ScriptedEngine([json.dumps({"invoice_number": "INV-7", "total": 40.0, "_pages": {"total": [1]}})])
    schema = {"type": "object", "properties": {"invoice_number": {"type": "string"}, "total": {"type": "number"}}}
    record = docvl.extract(pdf, schema, engine=engine)
    assert record.status == "ok" and record.data == {"invoice_number": "INV-7", "total": 40.0}
    assert record.field_pages == {"total": [1]}
    (prompt,) = engine.prompts
    assert prompt.task == "extract" and prompt.page_numbers == [1]


@pytest.mark.parametrize(("flag", "value"), [("--dtype", "bogus"), ("--device", "cuda:0"), ("--loader", "remote")])
def test_in_process_settings_given_to_a_server_engine_are_a_usage_error(flag, value, run_cli, tmp_path):
    """They did nothing with --engine openai and were accepted silently; the server is never contacted."""
    pdf = make_pdf(tmp_path / "a.pdf", pages=1)
    result = run_cli("ask", pdf, "Q?", "--engine", "openai", "--server", "http://127.0.0.1:9/v1", flag, value)
    assert result.code == 2
    (line,) = [x for x in result.err.splitlines() if x.startswith("error:")]
    assert f"{flag} {value} does not apply to --engine openai" in line
    assert f"drop {flag}, or use --engine transformers" in line


def test_each_engine_validates_its_own_settings():
    """Settings an engine takes are a typed model of its own (its Options), checked when it is opened;
    a plug-in without one takes none."""
    from docvl.engines import EngineOptions, engine_settings, open_engine
    from docvl.engines.transformers_engine import TransformersEngine
    from docvl.errors import UsageError

    settings = engine_settings(TransformersEngine, "transformers", {"dtype": "bfloat16"})
    assert settings.model_dump() == {"device": "auto", "dtype": "bfloat16", "loader": "native"}
    with pytest.raises(UsageError, match="--dtype float16 does not apply to --engine text"):
        open_engine("text", EngineOptions(extra={"dtype": "float16"}))
    with pytest.raises(UsageError, match="--warp-speed 9 does not apply to --engine scripted"):
        engine_settings(ScriptedEngine, "scripted", {"warp_speed": 9})
