"""The end of a US address, "City, ST 12345", with the street parts written before it.

A ZIP code after a state is an address whatever comes before it, so the tail alone
is hidden even when the street was written in a form no pattern knows ("Union
Station, Washington, DC 20001"). From the tail the span grows back over up to two
comma-separated parts that read as address parts (a house number, or capitalised
words), stopping at prose ("please ship it to"). A state code in capitals with no ZIP
after it is an address only when the span grown back from it starts with a house number
and a capitalised street and counts nothing ("1000 Woodlawn Chicago IL"; not "2 days in
TX", "2 pairs NY").
"""

import re

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP"
).split()
_STATE_NAMES = (
    "alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|florida|georgia|"
    "hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|maine|maryland|massachusetts|"
    "michigan|minnesota|mississippi|missouri|montana|nebraska|nevada|new hampshire|new jersey|"
    "new mexico|new york|north carolina|north dakota|ohio|oklahoma|oregon|pennsylvania|"
    "rhode island|south carolina|south dakota|tennessee|texas|utah|vermont|virginia|washington|"
    "west virginia|wisconsin|wyoming|puerto rico"
)
_ANY_STATE = rf"(?i:{'|'.join(_STATES)}|{_STATE_NAMES})"
# The country after the ZIP; an abbreviation only in capitals ("ship to us" is no country).
_COUNTRY = r"(?:(?i:united states(?: of america)?)|USA?|U\.S\.(?:A\.)?)"
# A ZIP after a state code in any case; when its leading zero was dropped (four
# digits) only after a code in capitals or a comma, so that "in 2024" is no address.
# The country may follow, as on a parcel's label.
TAIL = re.compile(
    rf"(?:\b{_ANY_STATE}\.?,?\s+\d{{5}}(?:-\d{{4}})?\b|"
    rf"(?:\b(?:{'|'.join(_STATES)})|,\s*{_ANY_STATE})\.?,?\s+\d{{4}}\b)"
    rf"(?:,?\s+{_COUNTRY}(?!\w))?"
)
# A state with no ZIP ends an address too, when what it ends starts with a house number
# and a capitalised street ("1000 Woodlawn Chicago IL", "42 Wallaby Springfield IL"): a
# code in capitals last before a stop or the end, and never one that is an English word or
# an abbreviation in shouting ("OK", "IN", "ME", "OR", "MD"), nor a territory's. After a
# comma no state is taken: a list of counted things ends in one as often ("I have 2 hubs,
# OK", "Bought 3 Samsung TVs, NY").
_WORD_CODES = frozenset("AL CO DE HI ID IN LA ME MD MA MS NE OH OK OR PA PR GU VI AS MP".split())
STATE_END = re.compile(
    rf"(?<=[\w.] )(?:{'|'.join(s for s in _STATES if s not in _WORD_CODES)})"
    r"(?=\s*(?:[.,;:!?)\n]|$))"
)
_HOUSE = re.compile(r"\d{1,6}[A-Za-z]?\s+(?:[A-Z]|\d{1,4}(?:st|nd|rd|th)\b)")
# Words after a number that count or measure ("2 days", "3 items"), never a street's.
_COUNTED = frozenset(
    "day days week weeks month months year years hour hours minute minutes time times item "
    "items order orders unit units piece pieces dollar dollars euro euros pound pounds "
    "percent kg lb lbs box boxes pack packs people kids".split()
)
_PROSE = frozenset(
    "i im i'm we you it my our your is are am was live living lives in at to from ship send "
    "deliver delivered address the a an and or of for please pls moved move "
    "bill billing shipping postal mailing".split()
)
# Not a full stop: "St." and "N.W." are address parts; prose words stop the span instead.
_BOUNDARY = re.compile(r"[!?:;\n()\[\]\"]")
_PART_WORD = re.compile(r"#?[\w'.-]+")


def _address_part(part: str) -> tuple[int, bool] | None:
    """Where the address starts within one comma-separated piece, and whether the
    piece was all address (so the piece before it may be too); None if it has none."""
    words = list(_PART_WORD.finditer(part))
    prose = [w for w in words if w.group(0).lower() in _PROSE]
    after = [w for w in words if not prose or w.start() > prose[-1].start()]
    return (after[0].start(), not prose) if after else None


class AddressTailRecognizer(EntityRecognizer):
    PARTS = 3  # the city, and up to two street parts before it
    PART_CHARS = 60

    def __init__(self) -> None:
        super().__init__(supported_entities=["ADDRESS"], name="AddressTailRecognizer")

    def load(self) -> None:
        """Nothing to load: the recognizer is compiled patterns."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results = [
            RecognizerResult("ADDRESS", self._start(text, tail.start()), tail.end(), 0.85)
            for tail in TAIL.finditer(text)
        ]
        for state in STATE_END.finditer(text):
            start = self._start(text, state.start())
            if start < state.start() and _a_street(text[start : state.start()]):
                results.append(RecognizerResult("ADDRESS", start, state.end(), 0.85))
        return results

    def _start(self, text: str, start: int) -> int:
        """Where the address whose tail starts at `start` starts (see the module's docstring)."""
        for _ in range(self.PARTS):
            head = text[max(0, start - self.PART_CHARS) : start]
            stop = max((m.end() for m in _BOUNDARY.finditer(head)), default=0)
            piece = head[stop:]
            comma = piece.rstrip().rfind(",", 0, len(piece.rstrip()) - 1)
            part = piece[comma + 1 :] if comma >= 0 else piece
            found = _address_part(part.rstrip(", "))
            if found is None:
                break
            start = start - len(part) + found[0]
            if comma < 0 or not found[1]:
                break
        return start


def _a_street(head: str) -> bool:
    """The words before a state with no ZIP start with a house number and a capitalised
    street, and count nothing."""
    words = {w.casefold() for w in _PART_WORD.findall(head)}
    return _HOUSE.match(head) is not None and not words & _COUNTED
