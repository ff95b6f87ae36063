import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docvl.load.document import PageInfo
from docvl.planner import PlanSettings, plan_pages
from docvl.profiles import get_profile
from docvl.relevance import field_queries, rank_pages
from docvl.tokens import EstimateCounter

PROFILE = get_profile()
COUNTER = EstimateCounter(PROFILE.chat.template_overhead_tokens)


def test_rank_pages():
    scores = rank_pages(
        {1: "the cat sat on the mat", 2: "invoice total due 300 EUR", 3: "", 4: "agreement total"},
        "What is the total due?",
    )
    assert scores[3] is None  # no text: unknown, not irrelevant
    assert scores[2] > scores[4] > 0 and scores[1] == 0


def test_field_queries_use_names_titles_descriptions_and_value_kinds():
    fields = field_queries(
        {
            "properties": {
                "invoice_number": {"description": "Number as printed"},
                "date_due": {},
                "totalAmount": {"type": "number"},
                "lines": {"type": "array", "items": {"properties": {"unit_price": {}}}},
            }
        }
    )
    assert fields["invoice_number"] == ("invoice number Number as printed", None)
    assert fields["date_due"] == ("date due", "date") and fields["totalAmount"] == ("total amount", "amount")
    assert "unit price" in fields["lines"][0]


def _plan(scores, n=60, context=49_152):
    pages = [PageInfo(number=i + 1, width=1700, height=2200) for i in range(n)]
    return plan_pages(
        pages,
        profile=PROFILE,
        counter=COUNTER,
        system="",
        user="q",
        settings=PlanSettings(context=context),
        relevance=scores,
    )


def test_relevant_pages_kept_best_at_full_resolution():
    scores = {i: 0.0 for i in range(1, 61)}
    scores.update({44: 9.0, 7: 5.0, 30: 1.0, 12: None})
    plan = _plan(scores)
    kept = {p.number: p for p in plan.pages}
    assert len(plan.windows) == 1 and plan.windows[0].page_tokens <= plan.page_budget
    assert kept[44].tiles == 13 and kept[7].tiles == 13 and 30 in kept  # Letter at 12 max tiles: 3x4 + thumbnail
    assert kept[12].tiles == 1  # no text to judge: kept, at one tile
    assert [p.number for p in plan.pages] == sorted(kept)  # read in document order
    assert {d.number for d in plan.dropped} == set(range(1, 61)) - set(kept)
    assert all(d.reason == "no word of the question on the page" for d in plan.dropped)


def test_nothing_matches_falls_back_to_the_even_plan():
    plan = _plan({i: 0.0 for i in range(1, 61)})
    assert len(plan.windows) > 1 and not plan.dropped
    assert any("pages are not ranked" in n for n in plan.notes)


def test_document_that_fits_keeps_every_page():
    plan = _plan({1: 5.0, 2: 0.0, 3: 0.0}, n=3)
    assert [p.number for p in plan.pages] == [1, 2, 3] and all(p.tiles == 13 for p in plan.pages)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(0, 10, allow_nan=False)), min_size=1, max_size=90),
    st.integers(8_000, 131_072),
)
def test_relevance_plan_invariants(raw_scores, context):
    scores = {i + 1: s for i, s in enumerate(raw_scores)}
    plan = _plan(scores, n=len(raw_scores), context=context)
    kept = [p.number for p in plan.pages]
    assert kept == sorted(kept)
    assert sorted(kept + [d.number for d in plan.dropped]) == list(range(1, len(raw_scores) + 1))
    for w in plan.windows:
        assert w.page_tokens <= plan.page_budget
    if plan.dropped:
        unknown = [n for n, s in scores.items() if s is None]
        assert set(unknown) <= set(kept)  # pages with no text are never dropped unseen
        best = max((s for s in scores.values() if s), default=None)
        if best is not None:
            assert any(scores[n] == best for n in kept)  # the best page is always kept


def test_plan_cli_shows_scores_and_drops(corpus, run_cli):
    path = corpus / "longdoc" / "nordavik_annual_report_2023.pdf"
    question = "What was the group's total revenue in 2023, in NOK million?"
    table = run_cli("plan", path, "-q", question)
    assert "Score" in table.out and "dropped" in table.out and "best match the question" in table.out
    plan = json.loads(run_cli("plan", path, "-q", question, "--json").out)["documents"][0]["plan"]
    assert 44 in {p["number"] for p in plan["pages"]}  # the page with the answer (qa.json)
    assert len(plan["windows"]) == 1 and plan["dropped"]


@pytest.mark.slow
def test_scanned_pages_are_ranked_by_ocr_when_the_document_does_not_fit(corpus, run_cli, monkeypatch):
    pytest.importorskip("rapidocr", reason="needs the ocr extra: pip install 'docvl[ocr]' (CI installs it)")
    pytest.importorskip("onnxruntime", reason="needs the ocr extra: pip install 'docvl[ocr]' (CI installs it)")
    scan = corpus / "longdoc" / "msa_halvorsen_brightwater_scanned.pdf"  # no text layer at all
    question = "Under which institution's rules are disputes arbitrated?"
    args = ("plan", scan, "--pages", "16-18", "--context", "4800", "--json", "-q", question)
    plan = json.loads(run_cli(*args).out)["documents"][0]["plan"]
    assert any("ranked 3 page(s) with no text layer by their OCR text" in n for n in plan["notes"])
    kept = {p["number"]: p for p in plan["pages"]}
    assert len(plan["windows"]) == 1 and kept[18]["tiles"] == 7  # the arbitration clause (qa.json), 2x3 + thumb
    assert kept[18]["score"] == max(p["score"] for p in plan["pages"])
    monkeypatch.setattr("docvl.planning.ocr_available", lambda: False)  # without OCR: unknown, never dropped
    blind = json.loads(run_cli(*args).out)["documents"][0]["plan"]
    assert not blind["dropped"] and {p["number"] for p in blind["pages"]} == {16, 17, 18}


# --- fused ranking (docvl.relevance.rank_question / rank_schema) ------------------------------------------

from docvl.relevance import RankedPage, is_overview, rank_question, rank_schema  # noqa: E402

FILLER = "The committee met twice and reviewed the minutes of the previous meeting without changes."


def _pages(texts, headings=None, sections=None):
    return {
        n: RankedPage(t, (headings or {}).get(n, ()), (sections or {}).get(n, ())) for n, t in enumerate(texts, start=1)
    }


def _order(ranking):
    return sorted((n for n, s in ranking.scores.items() if s), key=lambda n: -ranking.scores[n])


def test_word_pieces_bridge_a_german_compound():
    pages = _pages([FILLER, "Die Inbetriebnahme des Windparks ist für 2027 vorgesehen.", FILLER, "Der Bau dauert."])
    ranking = rank_question(pages, "Wann wird der Park in Betrieb genommen?")
    assert _order(ranking)[0] == 2 and "grams" in ranking.why[2]


def test_auditor_matches_audited_where_the_stems_differ():
    texts = [FILLER] * 6
    texts[3] = (
        "Independent Auditor's Report\nCaldwell Pryce LLP, Certified Public Accountants, signed this report on "
        "28 March 2025."
    )
    pages = _pages(texts, headings={4: ("Independent Auditor's Report",)})
    assert _order(rank_question(pages, "Which firm audited the statements?"))[0] == 4


def test_the_page_beside_the_best_one_outranks_unrelated_pages():
    texts = [FILLER] * 9
    texts[4] = "Table 4: department budgets, continued on the next page."
    texts[5] = "Parks 4,120,000; Libraries 2,310,000; Streets 9,870,000."  # no word of the question
    ranking = rank_question(_pages(texts), "What are the department budgets?")
    assert ranking.scores[6] > ranking.scores[2] and "next to" in ranking.why[6]


def test_overview_questions_keep_opening_contents_summary_and_conclusion():
    texts = [f"Page {n} of the report. " + FILLER for n in range(1, 41)]
    texts[1] = "Contents\n1 Introduction 3\n2 Budget 9\n9 Conclusion 38"
    headings = {n: (f"Table {n}.1 department budget summary",) for n in range(5, 35)}  # captions saying summary
    headings[3] = ("1. Introduction",)
    headings[38] = ("9. Conclusion and Outlook",)
    for question in ("What is this document about?", "Summarise the report.", "Worum geht es?", "?"):
        assert is_overview(question)
        ranking = rank_question(_pages(texts, headings), question)
        best = set(_order(ranking)[:5])
        assert {1, 2, 3, 38} <= best, (question, _order(ranking)[:8])
        assert ranking.overview and "overview" in ranking.note


def test_schema_ranks_each_field_on_its_own():
    texts = [FILLER] * 12
    texts[2] = "Invoice number INV-2024-0113 issued by Northwind Traders."
    texts[9] = "Total amount due: EUR 1,234.50, payable by 30 April 2024."
    schema = {
        "properties": {
            "invoice_number": {"type": "string", "title": "Invoice number"},
            "total": {"type": "number", "description": "Total amount due"},
        }
    }
    ranking = rank_schema(_pages(texts), schema)
    assert ranking.scores[3] == ranking.scores[10] == 1.0  # each field's best page comes first
    assert ranking.why[3].startswith("field invoice_number") and ranking.why[10].startswith("field total")


def test_resume_and_data_are_not_overview_or_date_words():
    from docvl.relevance import answer_type

    assert not is_overview("When did production resume after the strike?")
    assert is_overview("Résumez le rapport.") and is_overview("Summarise the report.")
    assert (
        answer_type("What data was collected?") is None and answer_type("Who is the data protection officer?") is None
    )
    assert answer_type("On what date was it signed?") == "date"
