"""Token counting with a real tokenizer, trained in the test and loaded from disk through transformers."""

import json

import pytest

from docvl.errors import UsageError
from docvl.load.document import PageInfo
from docvl.planner import plan_pages
from docvl.profiles import get_profile
from docvl.tokens import EstimateCounter, HFTokenizerCounter, make_counter

# The Nemotron-H turn layout (docs/design.md §1.2), as a chat template.
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'system' %}<SPECIAL_10>System\n{{ m['content'] }}\n"
    "{% elif m['role'] == 'user' %}<SPECIAL_11>User\n{{ m['content'] }}\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}<SPECIAL_11>Assistant\n<think></think>{% endif %}"
)
CORPUS = [
    "The master services agreement renews for successive twelve month terms unless terminated.",
    "Service credits apply when monthly availability falls below the committed level.",
    "Invoices are payable within thirty days of receipt. Late payments accrue interest.",
] * 20


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory):
    tokenizers = pytest.importorskip("tokenizers", reason="tokenizers is part of the test extra")
    transformers = pytest.importorskip("transformers", reason="transformers is part of the test extra")
    from tokenizers import decoders, models, pre_tokenizers, trainers

    tok = tokenizers.Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<SPECIAL_10>", "<SPECIAL_11>", "<SPECIAL_12>", "<img>", "</img>", "<image>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS, trainer)
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<SPECIAL_12>")
    fast.chat_template = CHAT_TEMPLATE
    folder = tmp_path_factory.mktemp("tok")
    fast.save_pretrained(folder)
    return folder


def test_counts_match_the_tokenizer(tokenizer_dir):
    from transformers import AutoTokenizer

    reference = AutoTokenizer.from_pretrained(str(tokenizer_dir), local_files_only=True)
    counter = HFTokenizerCounter(tokenizer_dir, template_overhead_tokens=24)
    text = "Which service credits apply when availability falls below 99.5%?"
    assert counter.exact
    assert counter.count(text) == len(reference.encode(text, add_special_tokens=False))
    rendered = f"<SPECIAL_10>System\n/no_think\n<SPECIAL_11>User\n{text}\n<SPECIAL_11>Assistant\n<think></think>"
    assert counter.count_chat("/no_think", text) == len(reference.encode(rendered, add_special_tokens=False))
    # the chat-template path was really taken: the plain fallback would add the 24-token guess instead
    assert counter.count_chat("/no_think", text) != counter.count("/no_think") + counter.count(text) + 24


def test_plan_records_exact_counts(tokenizer_dir):
    profile = get_profile()
    counter = make_counter(tokenizer_dir, profile.chat.template_overhead_tokens)
    plan = plan_pages(
        [PageInfo(1, 1700, 2200)], profile=profile, counter=counter, system="/no_think", user="What is due?"
    )
    assert plan.exact_token_count and str(tokenizer_dir) in plan.token_counter
    assert plan.prompt_tokens == counter.count_chat("/no_think", "What is due?")
    assert plan.pages[0].label_tokens == counter.count("Page 1:\n")


def test_cli_uses_the_tokenizer(tokenizer_dir, pdf_factory, run_cli):
    result = run_cli("plan", pdf_factory(pages=2), "--tokenizer", tokenizer_dir, "-q", "What is due?", "--json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)["documents"][0]["plan"]
    assert plan["exact_token_count"] is True


def test_bad_tokenizer_folder_is_a_usage_error(tmp_path, pdf_factory, run_cli):
    with pytest.raises(UsageError, match="no such file"):
        HFTokenizerCounter(tmp_path / "missing", 0)
    (tmp_path / "empty").mkdir()
    result = run_cli("plan", pdf_factory(pages=1), "--tokenizer", tmp_path / "empty")
    assert result.code == 2 and "could not load a tokenizer" in result.err


def test_estimate_is_conservative_for_latin_and_cjk():
    est = EstimateCounter(0)
    assert est.count("abc") == 1 and est.count("abcd") == 2
    assert est.count("年度報告") == 4  # 12 UTF-8 bytes: one token per character
    assert est.count("") == 0


def test_chat_template_that_rejects_the_layout_is_a_usage_error(tokenizer_dir, tmp_path):
    import shutil

    from transformers import AutoTokenizer

    folder = tmp_path / "nosys"
    shutil.copytree(tokenizer_dir, folder)
    tok = AutoTokenizer.from_pretrained(str(folder))
    tok.chat_template = "{% if messages[0]['role'] == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
    tok.save_pretrained(folder)
    counter = HFTokenizerCounter(folder, 0)
    with pytest.raises(UsageError, match="chat template"):
        counter.count_chat("/no_think", "hi")


def test_tokenizer_is_part_of_the_resume_key(tokenizer_dir, tmp_path, run_cli):
    """A run with --tokenizer plans with other counts than one without: it must not take the earlier
    run's results from the journal (it did: the key left the token counter out)."""
    from tests.conftest import make_pdf

    pdf = make_pdf(tmp_path / "a.pdf", pages=1)
    out = tmp_path / "answers.jsonl"
    assert run_cli("ask", pdf, "What is reviewed?", "--engine", "text", "-o", out).code == 0
    same = run_cli("ask", pdf, "What is reviewed?", "--engine", "text", "-o", out)
    assert "finished by an earlier run" in same.err  # the journal works...
    other = run_cli("ask", pdf, "What is reviewed?", "--engine", "text", "-o", out, "--tokenizer", tokenizer_dir)
    assert other.code == 0, other.err
    assert "finished by an earlier run" not in other.err  # ...and another counter is another run
