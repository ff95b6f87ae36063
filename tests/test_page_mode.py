"""Page modes: a page that is all text goes as its text layer; pictures, drawings and scans go as images."""

from __future__ import annotations

import io
import json

import pymupdf
import pytest
from PIL import Image

from docvl.load import load_document
from docvl.load.textlayer import read_contents
from docvl.pages import PageSelection
from docvl.planner import PAGE_LABEL, TEXT_PART_OVERHEAD, PlanSettings
from docvl.planning import Planning, plan_document
from docvl.profiles import get_profile
from docvl.tokens import EstimateCounter
from tests.conftest import LOREM
from tests.vllm_stub import Scripted, StubServer, completion

PROFILE = get_profile()
COUNTER = EstimateCounter(PROFILE.chat.template_overhead_tokens)


def mixed_pdf(path):
    """Page 1 prose; page 2 prose and a ruled table; page 3 prose and a photo; page 4 a scan (no text)."""
    doc = pymupdf.open()
    for n in range(1, 5):
        page = doc.new_page(width=612, height=792)
        if n < 4:
            page.insert_text((50, 60), f"Section {n} heading", fontsize=16)
            page.insert_textbox(pymupdf.Rect(50, 80, 562, 300), LOREM, fontsize=11)
        if n == 2:
            for y in range(320, 480, 20):
                page.draw_line((50, y), (562, y))
            page.insert_text((60, 335), "Item   Qty   Price", fontsize=10)
        if n in (3, 4):
            buf = io.BytesIO()
            Image.new("RGB", (400, 300), (120, 60, 30)).save(buf, format="PNG")
            page.insert_image(pymupdf.Rect(50, 320, 450, 620) if n == 3 else page.rect, stream=buf.getvalue())
    doc.save(path)
    doc.close()
    return path


@pytest.fixture
def mixed(tmp_path):
    return mixed_pdf(tmp_path / "mixed.pdf")


def _plan(path, **settings):
    doc = load_document(path)
    planning = Planning(PROFILE, PageSelection.all(), PlanSettings(**settings), COUNTER)
    contents = read_contents(doc)
    return contents, plan_document(doc, contents, planning, system="/no_think", user="q")


def test_contents_say_which_pages_are_all_text(mixed):
    contents = read_contents(load_document(mixed))
    assert [(c.text_only, c.why) for c in contents.values()] == [
        (True, "text only"),
        (False, "ruled table"),
        (False, "picture"),
        (False, "no text layer"),
    ]
    assert contents[1].text.startswith("Section 1 heading\nThe quarterly review")  # reading order, line by line


def test_auto_sends_text_pages_as_text_and_counts_their_tokens(mixed):
    contents, plan = _plan(mixed)
    by = {p.number: p for p in plan.pages}
    assert [by[n].mode for n in (1, 2, 3, 4)] == ["text", "image", "image", "image"]
    text_page = by[1]
    assert text_page.tiles == 0 and text_page.image_tokens == 0 and text_page.max_tiles == 0
    assert text_page.text_tokens == COUNTER.count(contents[1].text) + TEXT_PART_OVERHEAD
    assert text_page.tokens == text_page.text_tokens + COUNTER.count(PAGE_LABEL.format(number=1))
    assert text_page.tokens < by[2].tokens / 5  # the point of it: far cheaper than its image
    assert by[2].mode_reason == "ruled table" and by[4].mode_reason == "no text layer"
    assert plan.windows[0].page_tokens == sum(p.tokens for p in plan.pages)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("image", ["image"] * 4),
        ("text", ["text", "text", "text", "image"]),
        ("both", ["both", "both", "both", "image"]),
    ],
)
def test_forced_page_modes(mixed, mode, expected):
    _, plan = _plan(mixed, page_mode=mode)
    assert [p.mode for p in plan.pages] == expected  # a page with no text is always an image
    both = [p for p in plan.pages if p.mode == "both"]
    assert all(p.tiles == 13 and p.text_tokens > 0 for p in both)


def test_image_documents_go_as_images(tmp_path):
    path = tmp_path / "scan.png"
    Image.new("RGB", (800, 1000), "white").save(path)
    _, plan = _plan(path, page_mode="text")
    assert [p.mode for p in plan.pages] == ["image"]


def test_text_pages_travel_as_text_parts(mixed, run_cli):
    server = StubServer()
    try:
        server.script.append(Scripted(body=completion("It rose.\nPages: 1, 2")))
        result = run_cli("ask", mixed, "What rose?", "--server", server.url, "--json")
        assert result.code == 0, result.err
        (request,) = server.requests
    finally:
        server.close()
    user = request["messages"][1]["content"]
    kinds = [(p["type"], p.get("text", "")[:18]) for p in user]
    assert kinds[:3] == [("text", "Page 1:\n"), ("text", "Section 1 heading\n"), ("text", "Page 2:\n")]
    assert [k for k, _ in kinds[3:8]] == ["image_url", "text", "image_url", "text", "image_url"]
    assert "What rose?" in user[-1]["text"]
    out = json.loads(result.out)
    assert [p["mode"] for p in out["plan"]["pages"]] == ["text", "image", "image", "image"]
    assert out["pages"] == [1, 2]


def test_plan_table_names_how_each_page_goes(mixed, run_cli):
    result = run_cli("plan", mixed)
    assert result.code == 0
    rows = [line.split("│") for line in result.out.splitlines() if "│" in line]
    assert [[cell.strip() for cell in row[:4]] for row in rows] == [
        ["1", "612x792", "text", "-"],
        ["2", "612x792", "image (ruled table)", "3x4 +thumb"],
        ["3", "612x792", "image (picture)", "3x4 +thumb"],
        ["4", "612x792", "image", "3x4 +thumb"],
    ]
    assert "1 of 4 pages go as their text layer" in result.out
