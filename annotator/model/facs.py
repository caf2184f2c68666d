"""FACS action units, code strings and their tolerant parser.

Real coding sheets are messy (``4(B/C)+7B``, ``(R6 or R12)+R15``, ``ref(43E)``, ``NULL``, a bare
``/``), so parsing never raises: it keeps the raw string, returns the units it could read and a
warning for everything it had to guess or skip.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Hashable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

AU_NAMES: dict[int, str] = {
    0: "Neutral face",
    1: "Inner brow raiser",
    2: "Outer brow raiser",
    4: "Brow lowerer",
    5: "Upper lid raiser",
    6: "Cheek raiser",
    7: "Lid tightener",
    8: "Lips toward each other",
    9: "Nose wrinkler",
    10: "Upper lip raiser",
    11: "Nasolabial deepener",
    12: "Lip corner puller",
    13: "Sharp lip puller",
    14: "Dimpler",
    15: "Lip corner depressor",
    16: "Lower lip depressor",
    17: "Chin raiser",
    18: "Lip pucker",
    19: "Tongue show",
    20: "Lip stretcher",
    21: "Neck tightener",
    22: "Lip funneler",
    23: "Lip tightener",
    24: "Lip pressor",
    25: "Lips part",
    26: "Jaw drop",
    27: "Mouth stretch",
    28: "Lip suck",
    29: "Jaw thrust",
    30: "Jaw sideways",
    31: "Jaw clencher",
    32: "Lip bite",
    33: "Cheek blow",
    34: "Cheek puff",
    35: "Cheek suck",
    36: "Tongue bulge",
    37: "Lip wipe",
    38: "Nostril dilator",
    39: "Nostril compressor",
    40: "Sniff",
    41: "Lid droop (legacy)",
    42: "Slit (legacy)",
    43: "Eyes closed",
    44: "Squint (legacy)",
    45: "Blink",
    46: "Wink",
    50: "Speech",
    51: "Head turn left",
    52: "Head turn right",
    53: "Head up",
    54: "Head down",
    55: "Head tilt left",
    56: "Head tilt right",
    57: "Head forward",
    58: "Head back",
    61: "Eyes turn left",
    62: "Eyes turn right",
    63: "Eyes up",
    64: "Eyes down",
    65: "Walleye",
    66: "Cross-eye",
    70: "Brows not visible",
    71: "Eyes not visible",
    72: "Lower face not visible",
    73: "Entire face not visible",
    74: "Unscorable",
    80: "Swallow",
    81: "Chewing",
    82: "Shoulder shrug",
    84: "Head shake side to side",
    85: "Head nod up and down",
    91: "Flash",
    92: "Partial flash",
    97: "Shiver/tremble",
    98: "Fast up-down look",
}

#: 1978 codes folded into 43 and 7 in FACS 2002: accepted, flagged.
LEGACY_AUS = frozenset({41, 42, 44})

#: Pairs that cannot co-occur on one face at one time.
EXCLUSIVE_PAIRS: tuple[frozenset[int], ...] = tuple(
    frozenset(p)
    for p in [
        (51, 52),
        (53, 54),
        (55, 56),
        (57, 58),
        (61, 62),
        (63, 64),
        (65, 66),
        (26, 27),
        (43, 45),
        (43, 46),
        (45, 46),
        (38, 39),
        (24, 25),
        (18, 28),
        (8, 24),
        (33, 34),
        (33, 35),
        (34, 35),
    ]
)


class Intensity(enum.Enum):
    """FACS intensity letter: A trace .. E maximum (ordinal 1-5)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"

    @property
    def level(self) -> int:
        return "ABCDE".index(self.value) + 1

    @classmethod
    def from_level(cls, level: int) -> Intensity:
        return cls("ABCDE"[level - 1])


class Side(enum.Enum):
    """Side prefix, always the subject's own side: L/R unilateral, T/B top/bottom lip,
    U unilateral unspecified, A asymmetric."""

    L = "L"
    R = "R"
    T = "T"
    B = "B"
    U = "U"
    A = "A"


def au_name(number: int) -> str:
    return AU_NAMES.get(number, "Unknown action unit")


def au_label(number: int) -> str:
    """``AU12`` style label as FACS coders write it (``AU4``); OpenFace-style tables pad
    to two digits themselves."""
    return f"AU{number}"


@dataclass(frozen=True, slots=True)
class ActionUnit:
    number: int
    intensity: Intensity | None = None
    side: Side | None = None
    movement: bool = False  # M57-style movement code

    @property
    def code(self) -> str:
        side = self.side.value if self.side else ""
        m = "M" if self.movement else ""
        inten = self.intensity.value if self.intensity else ""
        return f"{side}{m}{self.number}{inten}"

    @property
    def name(self) -> str:
        return au_name(self.number)


@dataclass(slots=True)
class ParsedCode:
    raw: str
    units: list[ActionUnit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def normalised(self) -> str:
        return normalise(self.units)

    @property
    def ok(self) -> bool:
        return bool(self.units) and not self.warnings


_MISSING = {"", "/", "-", "?", "NULL", "NONE", "NA", "N/A", "-1"}
# re.ASCII: ``\d`` alone would read full-width digits ("１２") as AU12 without a word.
_TOKEN = re.compile(
    r"(?<![A-Za-z])(?P<side>[LRTBUA])?\s*(?:AU\s*)?(?P<m>M)?(?<![0-9])(?P<num>[0-9]{1,3})"
    r"(?P<int>\(\s*[A-E](?:\s*/\s*[A-E])*\s*\)|[A-E](?:/[A-E])*(?![A-Za-z]))?"
    r"(?![0-9])",
    re.IGNORECASE | re.ASCII,
)
_SEPARATORS = re.compile(r"[\s+,;]+")
#: Letters that are both a side prefix and an intensity suffix: ``6B12C`` reads either way.
_SIDE_OR_INTENSITY = frozenset("AB")


def _non_ascii_digit_parts(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text) if any(c.isdigit() and not c.isascii() for c in w)]


def parse_code(raw: str) -> ParsedCode:
    """Parse a FACS code string tolerantly; never raises.

    Every form that could be read two ways, or that names something impossible, gives a
    warning quoting the part of the string: a missing ``+`` (``6B12C`` is read as
    ``6B+12C``, the FACS writing order, and says so), an AU twice (``1+1A``: the first is
    kept), digits that are not ASCII (full-width ``１２`` is not read as AU12).

    >>> parse_code("1+2+5B+26").normalised
    '1+2+5B+26'
    """
    result = ParsedCode(raw=raw)
    text = (raw or "").strip()
    if text.upper() in _MISSING:
        if text:
            result.warnings.append(f"'{text}' means no action units (missing value)")
        return result
    for part in _non_ascii_digit_parts(text):
        result.warnings.append(
            f"'{part}' has non-ASCII digits: not read as an action unit (type the digits 0-9)"
        )
    residue = []
    pos = 0
    tokens: list[tuple[re.Match[str], str | None, list[str]]] = []
    for m in _TOKEN.finditer(text):
        residue.append(text[pos : m.start()])
        side = m.group("side").upper() if m.group("side") else None
        letters = re.findall(r"[A-E]", m.group("int").upper()) if m.group("int") else []
        if tokens and m.start() == pos and not tokens[-1][2] and side in _SIDE_OR_INTENSITY:
            # "6B12C": the B may end 6 (intensity) or start B12C (side); FACS writes the
            # intensity after the number and joins units with "+", so read 6B + 12C.
            prev, prev_side, _ = tokens[-1]
            tokens[-1] = (prev, prev_side, [side])
            result.warnings.append(
                f"missing '+' in '{text[prev.start() : m.end()]}': read as "
                f"{prev_side or ''}{prev.group('m') or ''}{prev.group('num')}{side}+"
                f"{m.group('m') or ''}{m.group('num')}{''.join(letters[:1])}; write "
                "'+' between action units"
            )
            side = None
        elif tokens and m.start() == pos:
            prev = tokens[-1][0]
            result.warnings.append(
                f"missing '+' in '{text[prev.start() : m.end()]}': read as two action units"
            )
        pos = m.end()
        tokens.append((m, side, letters))
    residue.append(text[pos:])
    seen: dict[tuple[int, str | None], str] = {}
    for m, side_letter, letters in tokens:
        number = int(m.group("num"))
        part = m.group(0).strip()
        if number > 99:
            result.warnings.append(f"AU number {number} ('{part}') is out of range 0-99: skipped")
            continue
        side = Side(side_letter) if side_letter else None
        intensity = Intensity(letters[0]) if letters else None
        if len(letters) > 1:
            result.warnings.append(
                f"uncertain intensity {'/'.join(letters)} for AU{number}: kept {letters[0]}"
            )
        unit = ActionUnit(number, intensity, side, movement=bool(m.group("m")))
        if number in LEGACY_AUS:
            result.warnings.append(f"AU{number} is a legacy (1978) code")
        elif number not in AU_NAMES:
            result.warnings.append(f"AU{number} is not a known action unit")
        # One AU per side: L12+R12 (and 12C+R12, as sheets write them) are distinct units;
        # 1+1A or R12+R12B name the same unit twice.
        key = (number, side_letter)
        if key in seen:
            result.warnings.append(
                f"AU{number} appears twice ('{seen[key]}' and '{part}'): kept '{seen[key]}'"
            )
            continue
        seen[key] = part
        result.units.append(unit)
    rest = "".join(residue)
    if re.search(r"\bor\b|/", rest, re.IGNORECASE):
        result.warnings.append("alternatives ('or' or '/') found: kept every action unit named")
    if re.search(r"\bref\b", rest, re.IGNORECASE):
        result.warnings.append("'ref(...)' reference codes kept as ordinary action units")
    leftover = re.sub(r"\bor\b|\bref\b|[()/]", " ", rest, flags=re.IGNORECASE)
    leftover = _SEPARATORS.sub(" ", leftover).strip()
    if leftover:
        result.warnings.append(f"ignored text '{leftover}'")
    if not result.units and not result.warnings:
        result.warnings.append("no action units found")
    return result


def normalise(units: list[ActionUnit]) -> str:
    """Ascending ``+`` form, as datasets and exports expect: ``1+2+5B+26``."""
    ordered = sorted(units, key=lambda u: (u.number, u.side.value if u.side else ""))
    return "+".join(u.code for u in ordered)


def exclusive_conflicts(numbers: set[int]) -> list[tuple[int, int]]:
    """Pairs of AUs that cannot be scored together on one face at one time."""
    out = []
    for pair in EXCLUSIVE_PAIRS:
        if pair <= numbers:
            a, b = sorted(pair)
            out.append((a, b))
    return sorted(out)


def agreement_ratio(a: AbstractSet[Hashable], b: AbstractSet[Hashable]) -> float:
    """FACS agreement index (Wexler): 2 x shared / (|A| + |B|), intensity ignored."""
    if not a and not b:
        return 1.0
    return 2 * len(a & b) / (len(a) + len(b))
