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


def test_help_lists_each_choice_from_the_code_that_checks_it(run_cli, monkeypatch):
    """A choice added to (or removed from) the module that validates it shows in --help without a second edit."""
    from docvl.engines.openai_engine import STRUCTURED_MODES
    from docvl.engines.transformers_engine import DTYPES
    from docvl.planner import PAGE_MODES, STRATEGIES
    from docvl.render import PDF_RENDERERS
    from docvl.write import CSV_LINES, FORMATS

    monkeypatch.setenv("COLUMNS", "250")
    text = run_cli("extract", "--help").out
    for values in (PAGE_MODES, STRATEGIES, tuple(PDF_RENDERERS), STRUCTURED_MODES, DTYPES, FORMATS, CSV_LINES):
        assert "[" + "|".join(values) + "]" in text, values
    assert "[auto|openai|text|transformers]" in text


def test_version(run_cli):
    result = run_cli("--version")
    assert result.code == 0 and __version__ in result.out


def test_plan_table(run_cli, pdf_factory):
    result = run_cli("plan", pdf_factory("report.pdf", pages=3), "--page-mode", "image")
    assert result.code == 0
    for needle in (
        "report.pdf",
        "Pages",
        "Sent as",
        "Tiles",
        "Tokens",
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
    result = run_cli(
        "plan", pdf_factory(pages=4), "--json", "--max-tiles", "6", "--pages", "2-3", "--page-mode", "image"
    )
    payload = json.loads(result.out)
    (doc,) = payload["documents"]
    plan = doc["plan"]
    assert [p["number"] for p in plan["pages"]] == [2, 3]
    assert plan["settings"]["max_tiles"] == 6
    assert {p["tiles"] for p in plan["pages"]} == {7}
    assert plan["windows"][0]["tokens"] == plan["prompt_tokens"] + sum(p["tokens"] for p in plan["pages"])


def test_split_plan_is_explained(run_cli, pdf_factory):
    result = run_cli("plan", pdf_factory(pages=60), "--page-mode", "image")
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
    assert "skipped 1 entry" in result.err and "notes.md" in result.err


def test_render_writes_whole_files_only(run_cli, pdf_factory, tmp_path):
    out = tmp_path / "out"
    result = run_cli("render", pdf_factory("r.pdf", pages=2), "-o", out, "--max-tiles", "6", "--page-mode", "image")
    assert result.code == 0, result.err
    names = sorted(p.name for p in (out / "r").iterdir())
    assert names == ["page-0001-thumb.png", "page-0001.png", "page-0002-thumb.png", "page-0002.png"]
    with Image.open(out / "r" / "page-0001.png") as im:
        assert im.size == (1024, 1536)  # 2x3 tiles for a Letter page at max-tiles 6


def test_render_writes_what_each_page_is_sent_as(run_cli, tmp_path):
    """--page-mode auto: an all-text page is sent as its text layer, so that is what render writes; a page
    with a picture is drawn."""
    import pymupdf

    from tests.conftest import make_pdf

    pdf = make_pdf(tmp_path / "mixed.pdf", pages=2, text="Total due: 9.50 EUR")
    with pymupdf.open(pdf) as doc:
        picture = Image.new("RGB", (400, 300), "steelblue")
        buffer = tmp_path / "pic.png"
        picture.save(buffer)
        doc[1].insert_image(pymupdf.Rect(100, 300, 500, 600), filename=str(buffer))
        doc.saveIncr()
    out = tmp_path / "out"
    result = run_cli("render", pdf, "-o", out)
    assert result.code == 0, result.err
    names = sorted(p.name for p in (out / "mixed").iterdir())
    assert names == ["page-0001.txt", "page-0002-thumb.png", "page-0002.png"]
    assert "Total due: 9.50 EUR" in (out / "mixed" / "page-0001.txt").read_text()
    assert "1 page image(s), 1 page text(s)" in result.err


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


def test_bad_flag_is_exit_2_before_any_document(run_cli, tmp_path):
    result = run_cli("plan", tmp_path / "missing.pdf", "--context", "999999")
    assert result.code == 2 and "--context" in result.err and "no such file" not in result.err


def test_no_documents_found_is_a_usage_error(run_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli("plan", tmp_path / "empty")
    assert result.code == 2 and "no PDF or image files found" in result.err


def test_names_with_brackets_round_trip(run_cli, pdf_factory):
    result = run_cli("plan", pdf_factory("a[draft]b.pdf", pages=1))
    assert "a[draft]b.pdf" in result.out


def test_render_output_must_be_a_writable_folder(run_cli, pdf_factory, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    result = run_cli("render", pdf_factory(pages=1), "-o", target)
    assert result.code == 2 and "cannot write there" in result.err


def test_render_same_stem_from_two_folders_does_not_mix(run_cli, tmp_path):
    from tests.conftest import make_pdf

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    make_pdf(tmp_path / "a" / "report.pdf", pages=1)
    make_pdf(tmp_path / "b" / "report.pdf", pages=2)
    out = tmp_path / "out"
    result = run_cli("render", tmp_path / "a", tmp_path / "b", "-o", out, "--max-tiles", "1", "--page-mode", "image")
    assert result.code == 0, result.err
    assert sorted(p.name for p in out.iterdir()) == ["report", "report-2"]
    assert len(list((out / "report-2").iterdir())) == 2
    assert (
        out / "report" / "page-0001.png"
    ).stat().st_mode & 0o044 == 0o044  # readable by others, as files usually are
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder left behind


def test_render_failure_leaves_nothing_half_written(run_cli, tmp_path, monkeypatch):
    from docvl.cli import render_cmd
    from docvl.errors import RenderError
    from tests.conftest import make_pdf

    pdf = make_pdf(tmp_path / "doc.pdf", pages=3)
    real = render_cmd.render_pages

    def failing(*args, **kwargs):
        for page in real(*args, **kwargs):
            if page.number == 3:
                raise RenderError("page 3 could not be drawn", path=pdf, fix="repair it")
            yield page

    monkeypatch.setattr(render_cmd, "render_pages", failing)
    out = tmp_path / "out"
    result = run_cli("render", pdf, "-o", out, "--page-mode", "image")
    assert result.code == 1 and "page 3 could not be drawn" in result.err
    assert list(out.iterdir()) == []
