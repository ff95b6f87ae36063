import pytest

from docvl.parse import (
    JsonReplyError,
    cite_pages,
    parse_json_object,
    split_reasoning,
    split_sidecar,
    validation_errors,
)
from docvl.schema import nullable


@pytest.mark.parametrize(
    ("reply", "answer", "reasoning"),
    [
        ("<think>look at page 3</think>\nThe total is 9.00.", "The total is 9.00.", "look at page 3"),
        ("The total is 9.00.", "The total is 9.00.", None),
        ("<think></think>The total is 9.00.", "The total is 9.00.", None),
        ("step one\nstep two</think>The total.", "The total.", "step one\nstep two"),  # opening tag eaten by template
        ("<think>still thinking when max tokens ran out", "", "still thinking when max tokens ran out"),
    ],
)
def test_split_reasoning(reply, answer, reasoning):
    assert split_reasoning(reply) == (answer, reasoning)


def test_citations_checked_against_pages_sent():
    c = cite_pages("Margins fell because freight costs rose.\nPages: 7, 12, 40", sent=[5, 6, 7, 12])
    assert c.pages == [7, 12] and c.unknown == [40]
    assert c.text == "Margins fell because freight costs rose."


def test_citation_ranges_and_mentions():
    assert cite_pages("Pages: 3-5", sent=list(range(1, 9))).pages == [3, 4, 5]
    assert cite_pages("As page 4 and page 6 show, ...", sent=[4, 6]).pages == [4, 6]
    assert cite_pages("Pages: none", sent=[1]).pages == []


@pytest.mark.parametrize(
    "reply",
    ['{"a": 1}', '```json\n{"a": 1}\n```', 'Here you go: {"a": 1} hope it helps', '<think>x</think>{"a": 1}'],
)
def test_parse_json_object(reply):
    assert parse_json_object(split_reasoning(reply)[0]) == {"a": 1}


@pytest.mark.parametrize(
    ("reply", "why"), [("no json here", "no JSON object"), ('{"a": 1,', "not valid JSON"), ("[1]", "no JSON object")]
)
def test_bad_json(reply, why):
    with pytest.raises(JsonReplyError, match=why):
        parse_json_object(reply)


def test_sidecar_keeps_only_pages_sent():
    data, pages = split_sidecar({"total": 9, "_pages": {"total": [1, 99], "date": "2", "x": ["a"]}}, sent=[1, 2])
    assert data == {"total": 9}
    assert pages == {"total": [1], "date": [2]}


def test_nullable_schema_lets_the_model_say_not_found():
    schema = {
        "type": "object",
        "required": ["total"],
        "properties": {
            "total": {"type": "number"},
            "maybe": {"type": ["string", "null"]},
            "lines": {"type": "array", "items": {"type": "object", "properties": {"qty": {"type": "number"}}}},
        },
    }
    relaxed = nullable(schema)
    assert validation_errors({"total": None, "maybe": None, "lines": [{"qty": None}]}, relaxed) == []
    assert validation_errors({"total": "nine"}, relaxed)  # still typed
    assert validation_errors({"total": None}, schema)  # the original is untouched
    assert relaxed["properties"]["maybe"] == {"type": ["string", "null"]}
