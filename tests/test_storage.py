"""Inputs and outputs at storage URLs (docvl.storage), through fsspec's file:// and memory:// file systems,
which need no network: the same code paths as s3://, gs://, az:// and hf://."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "invoice.json"


@pytest.fixture
def bucket(corpus, tmp_path):
    folder = tmp_path / "bucket" / "invoices"
    folder.mkdir(parents=True)
    for pdf in sorted((corpus / "invoices").glob("*.pdf"))[:4]:
        shutil.copy(pdf, folder / pdf.name)
    (folder / "manifest.txt").write_text("not a document")
    return folder


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_inputs_at_a_url_give_the_records_local_paths_give_named_by_url(run_cli, bucket, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    local, remote = tmp_path / "local.jsonl", tmp_path / "remote.jsonl"
    assert run_cli("extract", bucket, "--schema", SCHEMA, "-o", local).code == 0
    result = run_cli("extract", f"file://{bucket}", "--schema", SCHEMA, "-o", remote)
    assert result.code == 0, result.err
    assert "skipped 1 entry" in result.err and "manifest.txt" in result.err
    got, want = records(remote), records(local)
    assert [r["_file"] for r in got] == [f"file://{bucket}/{Path(r['_file']).name}" for r in want]
    assert [{k: v for k, v in r.items() if k != "_file"} for r in got] == [
        {k: v for k, v in r.items() if k != "_file"} for r in want
    ]
    assert not list(Path(tmp_path).glob("docvl-inputs-*"))  # fetched copies are removed as documents finish
    # a re-run finds them in the journal by their listing (nothing fetched), named by URL again
    again = run_cli("extract", f"file://{bucket}", "--schema", SCHEMA, "-o", remote)
    assert "4 document(s) finished by an earlier run" in again.err
    assert records(remote) == got


def test_a_changed_input_at_a_url_is_done_again(run_cli, bucket, tmp_path):
    out = tmp_path / "out.jsonl"
    run_cli("extract", f"file://{bucket}", "--schema", SCHEMA, "-o", out)
    first = sorted(bucket.glob("*.pdf"))[0]
    first.write_bytes(first.read_bytes() + b"\n%% touched\n")  # new size: a new stamp
    again = run_cli("extract", f"file://{bucket}", "--schema", SCHEMA, "-o", out)
    assert "3 document(s) finished by an earlier run" in again.err


def test_output_at_a_url_is_uploaded_whole_and_resumes_from_the_local_journal(run_cli, bucket, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    target = tmp_path / "results" / "out.csv"
    result = run_cli("extract", bucket, "--schema", SCHEMA, "-o", f"file://{target}")
    assert result.code == 0, result.err
    assert f"-> file://{target}" in result.err
    lines = target.read_text().splitlines()
    assert lines[0].startswith("_file,_status") and len(lines) == 5
    journals = list((tmp_path / "cache" / "docvl" / "outputs").glob("*/.out.csv.docvl-journal"))
    assert len(journals) == 1 and len(journals[0].read_text().splitlines()) == 4
    again = run_cli("extract", bucket, "--schema", SCHEMA, "-o", f"file://{target}")
    assert "4 document(s) finished by an earlier run" in again.err and target.read_text().splitlines() == lines


def test_memory_urls_work_in_process(run_cli, bucket, tmp_path):
    import fsspec

    fs = fsspec.filesystem("memory")
    for pdf in sorted(bucket.glob("*.pdf")):
        fs.pipe(f"/docs/{pdf.name}", pdf.read_bytes())
    result = run_cli("extract", "memory://docs/*.pdf", "--schema", SCHEMA, "--format", "jsonl")
    assert result.code == 0, result.err
    assert [json.loads(line)["_file"] for line in result.out.splitlines()] == [
        f"memory:///docs/{p.name}"
        for p in sorted(bucket.glob("*.pdf"))  # fsspec names its root /
    ]


def test_bad_urls_say_what_to_do(run_cli, tmp_path):
    missing = run_cli("extract", f"file://{tmp_path}/nowhere/", "--schema", SCHEMA)
    assert missing.code == 2 and "no such file or folder" in missing.err
    empty = run_cli("extract", f"file://{tmp_path}/*.pdf", "--schema", SCHEMA)
    assert empty.code == 2 and "matches no file" in empty.err
    unknown = run_cli("extract", "nosuchproto://bucket/x.pdf", "--schema", SCHEMA)
    assert unknown.code == 2 and "nosuchproto" in unknown.err


def test_an_input_that_vanishes_before_its_turn_fails_alone(run_cli, bucket, tmp_path, monkeypatch):
    from docvl import storage

    real = storage.fetch
    gone = sorted(bucket.glob("*.pdf"))[1]

    def fetch(url: str, dest: Path) -> None:
        if url.endswith(gone.name):
            gone.unlink()
        real(url, dest)

    monkeypatch.setattr("docvl.tasks.inputs.fetch", fetch)
    out = tmp_path / "out.jsonl"
    result = run_cli("extract", f"file://{bucket}", "--schema", SCHEMA, "-o", out)
    assert result.code == 1
    assert f"error: file://{gone}: could not be downloaded" in result.err
    assert len(records(out)) == 3


# -- --output-dir: shards -----------------------------------------------------------------------------------


def shard_rows(folder: Path) -> list[dict]:
    return [
        json.loads(line) for shard in sorted(folder.glob("part-*.jsonl")) for line in shard.read_text().splitlines()
    ]


def test_output_dir_writes_shards_with_doc_keys_and_resumes(run_cli, bucket, tmp_path, monkeypatch):
    import docvl.cli.output_file
    import docvl.shards

    monkeypatch.setattr(docvl.cli.output_file, "SHARD_ROWS", 3)  # 4 documents: two shards
    out = tmp_path / "shards"
    result = run_cli("extract", bucket, "--schema", SCHEMA, "--output-dir", out)
    assert result.code == 0, result.err
    assert "(2 new shard(s))" in result.err
    assert sorted(p.name for p in out.glob("part-*")) == [
        "part-00000000-00000002.jsonl",
        "part-00000003-00000003.jsonl",
    ]
    rows = shard_rows(out)
    assert [Path(r["_file"]).name for r in rows] == sorted(p.name for p in bucket.glob("*.pdf"))
    from docvl.batch import content_hash

    assert [r["_doc_key"] for r in rows] == [content_hash(Path(r["_file"])) for r in rows]
    again = run_cli("extract", bucket, "--schema", SCHEMA, "--output-dir", out)
    assert "4 document(s) finished by an earlier run" in again.err and "(0 new shard(s))" in again.err
    assert shard_rows(out) == rows  # nothing written twice
    assert docvl.shards.SHARD_FORMATS == ("jsonl", "parquet")


def test_output_dir_at_a_url_in_parquet(run_cli, bucket, tmp_path, monkeypatch):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow", reason="Parquet shards need pyarrow (the ray extra brings it)")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    target = tmp_path / "remote-shards"
    result = run_cli("extract", bucket, "--schema", SCHEMA, "--output-dir", f"file://{target}", "--format", "parquet")
    assert result.code == 0, result.err
    (shard,) = target.glob("part-*.parquet")
    frame = pd.read_parquet(shard)
    assert list(frame["_file"]) == [str(p) for p in sorted(bucket.glob("*.pdf"))]
    assert frame["_doc_key"].notna().all()


def test_output_dir_and_o_together_or_a_bad_format_are_refused(run_cli, bucket, tmp_path):
    both = run_cli("extract", bucket, "--schema", SCHEMA, "--output-dir", tmp_path / "s", "-o", tmp_path / "o.jsonl")
    assert both.code == 2 and "pass one of them" in both.err
    csv = run_cli("extract", bucket, "--schema", SCHEMA, "--output-dir", tmp_path / "s", "--format", "csv")
    assert csv.code == 2 and "jsonl or parquet" in csv.err
