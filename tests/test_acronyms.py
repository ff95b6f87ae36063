"""Acronyms bridged between question and document (docvl.acronyms), and what that does to ranking."""

from docvl.acronyms import expand
from docvl.relevance import RankedPage, rank_question

FILLER = (
    "The board reviewed the maintenance programme for the fleet and the reporting of environmental indicators. "
    "Management strengthened working capital discipline across every region of the company. "
) * 6


def test_title_case_expansion_found_in_the_document():
    e = expand("Who became the new CFO?", ["x", "The Board appointed Ingrid Haug as Chief Financial Officer in March."])
    assert e.query.endswith("Chief Financial Officer") and e.read == ("CFO = Chief Financial Officer",)


def test_bracketed_definition_in_any_case_and_connectors():
    texts = ["An environmental impact assessment (EIA) was carried out.", "the Department of Transportation (DOT)"]
    assert "environmental impact assessment" in expand("When was the EIA completed?", texts).query
    assert "Department of Transportation" in expand("What did the DOT approve?", texts).query


def test_lower_case_acronym_only_when_the_document_writes_it_in_capitals():
    texts = ["An environmental impact assessment (EIA) was carried out."]
    assert "environmental impact assessment" in expand("when was the eia done?", texts).query
    # "did" is not an acronym the document uses: left alone, however it might be spelt out
    assert expand("What did Divisions Infrastructure Division do?", ["Divisions Infrastructure Division"]).read == ()


def test_phrase_to_acronym_the_document_uses():
    e = expand("Who is the chief financial officer?", ["The CFO signed the accounts."])
    assert e.query.endswith("CFO") and e.read == ("chief financial officer = CFO",)
    # stop words end a phrase: "who is the" spells nothing
    assert expand("Who is the chief?", ["WIT and TC"]).read == ()


def test_nothing_to_bridge():
    assert expand("What is the CFO's salary?", ["no acronym is spelt out here"]).read == ()
    assert expand("WHO IS THE CFO?", ["Chief Financial Officer"]).read == ()  # all capitals: no acronyms


def test_ranking_finds_the_page_that_spells_the_acronym_out():
    pages = {n: RankedPage(FILLER + f" Page {n} covers the fleet and the company.") for n in range(1, 30)}
    pages[17] = RankedPage(
        FILLER + " The Board appointed Ingrid Haug as Chief Financial Officer; she started in March."
    )
    ranking = rank_question(pages, "Who became the company's new CFO?")
    best = max((n for n, s in ranking.scores.items() if s), key=lambda n: ranking.scores[n] or 0)
    assert best == 17
    assert "CFO = Chief Financial Officer" in ranking.note
