import json
import subprocess
import sys

from PIL import Image

from docvl import __version__


def test_help_teaches_with_examples(run_cli):
    top = run_cli("--help")
    assert top.code == 0 and "plan" in top.out and "render" in top.out
    plan_help = run_cli("plan", "--help")
    assert plan_help.code == 0
    for needle in ("Examples", "docvl plan report.pdf --max-tiles 6", "--question", "--tokenizer", "--pages", "--json"):
        assert needle in plan_help.out, needle
    assert "Examples" in run_cli("render", "--help").out


def test_version(run_cli):
    result = run_cli("--version")
    assert result.code == 0 and __version__ in result.out


def test_plan_table(run_cli, pdf_factory):
    result = run_cli("plan", pdf_factory("report.pdf", pages=3))
    assert result.code == 0
    for needle in (
        "report.pdf",
        "Pages",
        "Grid",
        "Tiles",
        "Tokens/page",
        "Window",
        "1-3",
        "3x4 +thumb",
        "13",
        "fits one request",
    ):
        assert needle in result.out, needle
    assert result.err == ""
    assert "\x1b[" not in result.out  # no colour codes without a terminal


def test_plan_json_is_complete(run_cli, pdf_factory):
    result = run_cli("plan", pdf_factory(pages=4), "--json", "--max-tiles", "6", "--pages", "2-3")
    payload = json.loads(result.out)
    (doc,) = payload["documents"]
    plan = doc["plan"]
    assert [p["number"] for p in plan["pages"]] == [2, 3]
    assert plan["settings"]["max_tiles"] == 6
    assert {p["tiles"] for p in plan["pages"]} == {7}
    assert plan["windows"][0]["tokens"] == plan["prompt_tokens"] + sum(p["tokens"] for p in plan["pages"])


def test_split_plan_is_explained(run_cli, pdf_factory):
    result = run_cli("plan", pdf_factory(pages=60))
    assert result.code == 0
    assert "needs 3 requests" in result.out and "split into 3" in result.out


def test_batch_with_a_bad_file_exits_1_and_keeps_the_rest(run_cli, pdf_factory, tmp_path):
    good = pdf_factory("good.pdf", pages=1)
    bad = tmp_path / "bad.pdf"
    bad.write_text("<html><body>403 Forbidden</body></html>")
    result = run_cli("plan", bad, good, "--json")
    assert result.code == 1
    docs = json.loads(result.out)["documents"]
    assert [d["status"] for d in docs] == ["failed", "ok"]
    assert docs[0]["error"]["code"] == "unsupported_type"
    assert result.err.count("error:") == 1


def test_usage_errors_exit_2(run_cli, pdf_factory):
    pdf = pdf_factory(pages=1)
    assert run_cli("plan", pdf, "--pages", "x").code == 2
    assert run_cli("plan", pdf, "--max-tiles", "13").code == 2
    assert run_cli("plan", pdf, "--context", "300").code == 2
    assert run_cli("plan", pdf, "--profile", "nope").code == 2
    assert run_cli("plan", pdf, "--no-such-flag").code == 2
    assert run_cli("plan", "missing-*.pdf").code == 2


def test_missing_file_is_a_document_failure(run_cli, tmp_path):
    result = run_cli("plan", tmp_path / "nope.pdf")
    assert result.code == 1 and "no such file" in result.err


def test_folder_reports_skipped_files(run_cli, pdf_factory, tmp_path):
    pdf_factory("a.pdf", pages=1)
    (tmp_path / "notes.md").write_text("hello")
    result = run_cli("plan", tmp_path)
    assert result.code == 0
    assert "skipped 1 file" in result.err and "notes.md" in result.err


def test_render_writes_whole_files_only(run_cli, pdf_factory, tmp_path):
    out = tmp_path / "out"
    result = run_cli("render", pdf_factory("r.pdf", pages=2), "-o", out, "--max-tiles", "6")
    assert result.code == 0, result.err
    names = sorted(p.name for p in (out / "r").iterdir())
    assert names == ["page-0001-thumb.png", "page-0001.png", "page-0002-thumb.png", "page-0002.png"]
    with Image.open(out / "r" / "page-0001.png") as im:
        assert im.size == (1024, 1536)  # 2x3 tiles for a Letter page at max-tiles 6


def test_render_unknown_renderer(run_cli, pdf_factory, tmp_path):
    result = run_cli("render", pdf_factory(pages=1), "-o", tmp_path, "--renderer", "ghostscript")
    assert result.code == 2 and "choose one of" in result.err


def test_real_entry_point_exit_codes(pdf_factory, tmp_path):
    """The installed command, in a child process with no terminal, as CI runs it."""
    ok = subprocess.run([sys.executable, "-m", "docvl", "plan", pdf_factory(pages=1)], capture_output=True, text=True)
    assert ok.returncode == 0 and "fits one request" in ok.stdout
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    bad = subprocess.run([sys.executable, "-m", "docvl", "plan", str(empty)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines() == [
        f"error: {empty}: empty file (0 bytes) — the download or copy probably failed; fetch it again"
    ]
