import pytest

from annotator.model.facs import (
    AU_NAMES,
    Intensity,
    Side,
    agreement_ratio,
    exclusive_conflicts,
    normalise,
    parse_code,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("1+2+5B+26", "1+2+5B+26"),
        ("R12A+L14", "R12A+L14"),
        ("AU4", "4"),
        ("T14", "T14"),
        ("26+1+2", "1+2+26"),  # normalised to ascending order
        ("4,7", "4+7"),  # CAS(ME)^3 commas
        ("L12 + 61", "L12+61"),
        ("A12D", "A12D"),
        ("au12c", "12C"),
        ("M57", "M57"),
    ],
)
def test_clean_codes_parse_without_warnings(raw, expected):
    parsed = parse_code(raw)
    assert parsed.normalised == expected
    assert parsed.warnings == []
    assert parsed.raw == raw


def test_units_carry_side_and_intensity():
    units = parse_code("R12A+5B+L14").units
    assert [(u.number, u.side, u.intensity) for u in units] == [
        (12, Side.R, Intensity.A),
        (5, None, Intensity.B),
        (14, Side.L, None),
    ]


@pytest.mark.parametrize(
    "raw, expected, warning",
    [
        ("4(B/C)+7B", "4B+7B", "uncertain intensity B/C"),
        ("1D/E+2D/E", "1D+2D", "uncertain intensity D/E"),
        ("(R6 or R12)+R15", "R6+R12+R15", "alternatives"),
        ("12A or 14A", "12A+14A", "alternatives"),
        ("ref(43E)", "43E", "ref("),
        ("80 (big swallow)", "80", "ignored text 'big swallow'"),
        ("3", "3", "not a known action unit"),
        ("41", "41", "legacy"),
        ("/", "", "missing value"),
        ("NULL", "", "missing value"),
    ],
)
def test_messy_codes_warn_instead_of_failing(raw, expected, warning):
    parsed = parse_code(raw)
    assert parsed.normalised == expected
    assert any(warning in w for w in parsed.warnings), parsed.warnings


def test_garbage_is_a_warning_not_an_exception():
    parsed = parse_code("smile!")
    assert parsed.units == []
    assert parsed.warnings


def test_out_of_range_number_is_skipped():
    parsed = parse_code("1+123")
    assert parsed.normalised == "1"
    assert any("out of range" in w for w in parsed.warnings)


def test_names_table_covers_formats_md():
    for n in (1, 2, 4, 5, 6, 7, 9, 12, 15, 17, 20, 23, 25, 26, 43, 45, 46, 51, 61, 70, 80, 98):
        assert n in AU_NAMES
    assert AU_NAMES[12] == "Lip corner puller"


def test_normalise_and_conflicts_and_agreement():
    assert normalise(parse_code("26+R12+1").units) == "1+R12+26"
    assert exclusive_conflicts({26, 27, 1}) == [(26, 27)]
    assert exclusive_conflicts({33, 34, 35}) == [(33, 34), (33, 35), (34, 35)]
    # FORMATS.md worked example: 1+2+5+6+12 against 5+6+12 gives 6/8
    assert agreement_ratio({1, 2, 5, 6, 12}, {5, 6, 12}) == pytest.approx(0.75)
