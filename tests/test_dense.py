"""--embedding-model: the optional meaning signal (docvl.dense), loaded from a local folder through
sentence-transformers' real loading code. The model here is a tiny random BERT built in the test (its
similarities mean nothing); what is checked is that docvl loads it offline, embeds passages once per
document, fuses the signal and explains it, and refuses a bad folder or a missing extra clearly."""

from __future__ import annotations

import json

import pymupdf
import pytest

st = pytest.importorskip(
    "sentence_transformers", reason="the dense extra is not installed (pip install 'docvl[dense]'; .ci/run does)"
)

CORPUS = [
    "the harbour tariff applies to every vessel",
    "population of the city and its residents",
    "the auditor signed the report",
    "staff training canteen menus car park",
] * 20


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    root = tmp_path_factory.mktemp("embed")
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(CORPUS, trainers.WordPieceTrainer(vocab_size=120, special_tokens=specials))
    fast = BertTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    bert = root / "bert"
    fast.save_pretrained(bert)
    config = BertConfig(
        vocab_size=len(fast),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(config).save_pretrained(bert)
    try:  # sentence-transformers >= 6 moved the modules; older releases keep them in .models
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:
        from sentence_transformers.models import Pooling, Transformer
    model = st.SentenceTransformer(modules=[Transformer(str(bert), max_seq_length=64), Pooling(32)])
    folder = root / "model"
    model.save(str(folder))
    return folder


def test_the_ranker_embeds_each_page_once_and_scores_every_page(tiny_model):
    from docvl.dense import DenseRanker

    ranker = DenseRanker(tiny_model)
    encoded: list[int] = []
    encode = ranker._model.encode
    ranker._model.encode = lambda items, **kw: (encoded.append(len(items)), encode(items, **kw))[1]
    texts = ["the harbour tariff applies to every vessel " * 30, "", "staff training canteen menus"]
    first = ranker.scores(texts, "which tariff applies to the vessel")
    assert len(first) == 3 and first[1] == 0.0 and all(0.0 <= s <= 1.0 + 1e-6 for s in first)
    assert encoded == [4, 1]  # 3 passages of the long page + 1 of the short one, then the question
    again = ranker.scores([texts[2], texts[0]], "which tariff applies to the vessel")  # a wider look's pages
    assert encoded == [4, 1, 1] and again == [first[2], first[0]]  # only the question was embedded again


def test_plan_fuses_the_meaning_signal_and_says_so(tiny_model, tmp_path, run_cli):
    doc = pymupdf.open()
    for n in range(1, 41):
        page = doc.new_page()
        page.insert_textbox(pymupdf.Rect(50, 50, 545, 790), f"Page {n}. " + CORPUS[n % 4] * 12, fontsize=11)
    pdf = tmp_path / "long.pdf"
    doc.save(pdf)
    result = run_cli(
        "plan",
        pdf,
        "-q",
        "How many residents?",
        "--context",
        "8192",
        "--page-mode",
        "image",
        "--embedding-model",
        tiny_model,
        "--json",
    )
    assert result.code == 0, result.err
    plan = json.loads(result.out)["documents"][0]["plan"]
    assert any("meaning" in (p["evidence"] or "") for p in plan["pages"])
    assert any("meaning (the --embedding-model)" in note for note in plan["notes"])


def test_a_folder_that_is_not_a_model_is_refused(tmp_path, run_cli, pdf_factory):
    result = run_cli("plan", pdf_factory("a.pdf", pages=2), "--embedding-model", tmp_path)
    assert result.code == 2
    assert "not a sentence-transformers model folder" in result.err and "huggingface-cli download" in result.err
