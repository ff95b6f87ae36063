import pytest

from docvl.errors import UsageError
from docvl.pages import PageSelection


@pytest.mark.parametrize(
    ("spec", "count", "pages"),
    [
        (None, 4, [1, 2, 3, 4]),
        ("", 3, [1, 2, 3]),
        ("1-5,9,12-", 14, [1, 2, 3, 4, 5, 9, 12, 13, 14]),
        ("2", 3, [2]),
        ("-2", 5, [1, 2]),
        ("4-", 5, [4, 5]),
        ("3,1,3", 5, [1, 3]),
        (" 1 - 2 , 5 ", 9, [1, 2, 5]),
        ("8-20", 10, [8, 9, 10]),
        ("20-", 10, []),
    ],
)
def test_selection(spec, count, pages):
    assert PageSelection.parse(spec).pages(count) == pages


@pytest.mark.parametrize("spec", ["a", "1-2-3", "0", "5-3", "1,,2", "-", "1.5"])
def test_bad_selection_is_a_usage_error(spec):
    with pytest.raises(UsageError) as info:
        PageSelection.parse(spec)
    assert info.value.exit_code == 2
    assert "--pages" in str(info.value)
