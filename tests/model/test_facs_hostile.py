"""Ambiguous or impossible FACS codes warn, naming the part, and never become another AU."""

import pytest

from annotator.model.facs import parse_code


@pytest.mark.parametrize(
    "raw, expected, part",
    [
        ("6B12C", "6B+12C", "'6B12C'"),  # not 6 + B12C (AU12 on the bottom lip)
        ("12A6", "6+12A", "'12A6'"),  # not A6 + 12
        ("12R6", "R6+12", "'12R6'"),
        ("AU12AU6", "6+12", "'AU12AU6'"),
    ],
)
def test_missing_plus_warns_with_the_part(raw, expected, part):
    parsed = parse_code(raw)
    assert parsed.normalised == expected
    assert any("missing '+'" in w and part in w for w in parsed.warnings), parsed.warnings


@pytest.mark.parametrize("raw", ["1+1A", "1+1", "R12+R12B", "L6 + L6"])
def test_an_au_twice_warns_and_keeps_one(raw):
    parsed = parse_code(raw)
    assert len(parsed.units) == 1
    assert any("appears twice" in w for w in parsed.warnings), parsed.warnings


@pytest.mark.parametrize("raw", ["L12+R12", "12C+R12"])
def test_two_sides_of_one_au_are_two_units(raw):
    parsed = parse_code(raw)
    assert len(parsed.units) == 2
    assert parsed.warnings == []


@pytest.mark.parametrize("raw", ["１２", "6+１２", "٣"])
def test_non_ascii_digits_are_not_read_as_an_au(raw):
    parsed = parse_code(raw)
    assert all(u.number != 12 for u in parsed.units)
    assert any("non-ASCII digits" in w for w in parsed.warnings), parsed.warnings
