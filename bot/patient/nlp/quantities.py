"""Read temperatures, time since the infusion and severity words from a message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.patient.findings import SEVERITY_RANK

# Unit-less readings count as temperatures only in these ranges.
CELSIUS_RANGE = (35.0, 43.0)
FAHRENHEIT_RANGE = (95.0, 110.0)
# Readings with an explicit unit are accepted in a slightly wider band.
EXPLICIT_CELSIUS = (33.0, 45.0)
EXPLICIT_FAHRENHEIT = (91.0, 113.0)

_NUM = r"(?<![\d.,])(\d{2,3}(?:[.,]\d{1,2})?)(?![\d])"
_DEG = r"(?:\s*(?:°|º|˚|degrees?|deg)\.?)"
_UNIT_TEMP = re.compile(_NUM + _DEG + r"?\s*(celsius|centigrade|fahrenheit|c|f)\b", re.I)
_DEG_ONLY = re.compile(_NUM + _DEG + r"(?!\s*(?:celsius|centigrade|fahrenheit|c|f)\b)", re.I)
_NOT_TEMP_UNIT = (
    r"(?!\s*(?:%|/|(?:mg|kg|ml|lbs?|pounds|m|km|miles|metres|meters|bpm|mmhg|years?|yrs?|"
    r"days?|hours?|hrs?|mins?|minutes?|times?|weeks?|months?|am|pm)\b))"
)
_TEMP_WORD = (
    r"(?:temp(?:erature)?s?|fever|feverish|thermometer|febrile|pyrexia|reading|"
    r"measured|it\s+(?:was|is)|ran|running)"
)
_WORD_THEN_NUM = re.compile(r"\b" + _TEMP_WORD + r"\b[^.!?\d]{0,25}?" + _NUM + _NOT_TEMP_UNIT, re.I)
# "38.4 temp", "101.5 on the thermometer"
_NUM_THEN_WORD = re.compile(
    _NUM + _DEG + r"?\s*(?:(?:on|by)\s+(?:the|my)\s+)?"
    r"(?:fever|temp(?:erature)?|thermometer)\b",
    re.I,
)
# a further reading right after one ("37.8 then 38.3", "38.2, now 38.9")
_NEXT_READING = re.compile(
    r"\s*(?:°\s*[cf]?)?[\s,;]*(?:then|and|now|later|rising to|up to|->|to)?"
    r"[\s,]*(?:now\s+)?" + _NUM + _NOT_TEMP_UNIT,
    re.I,
)

# "38 point 2", "38 pt 6": a reading said in words, read like 38.2
_POINT_TEMP = re.compile(r"(?<![\d.,])(\d{2,3})\s*(?:point|pt|dot)\s*(\d)\b", re.I)

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "a couple of": 2,
    "couple of": 2,
    "a couple": 2,
    "a few": 3,
    "few": 3,
    "several": 3,
}
_COUNT = r"(\d{1,3}|" + "|".join(sorted((re.escape(w) for w in _NUMBER_WORDS), key=len, reverse=True)) + r")"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_ORD = r"(\d{1,2})(?:st|nd|rd|th)?"

_FIXED_DAYS = [
    (re.compile(r"\b(?:the\s+)?day\s+before\s+yesterday\b", re.I), 2),
    (re.compile(r"\b(?:yesterday|last\s+night)\b", re.I), 1),
    (
        re.compile(
            r"\b(?:today|this\s+(?:morning|afternoon|evening)|tonight|earlier\s+on|"
            r"earlier\s+today|just\s+now|(?:an?|one|a\s+few|few|couple\s+of|a\s+couple\s+of)"
            r"\s+hours?\s+ago)\b",
            re.I,
        ),
        0,
    ),
]
_AGO = re.compile(
    r"\b" + _COUNT + r"\s*(day|days|night|nights|week|weeks|fortnight|fortnights|hour|"
    r"hours|hrs?|h|minutes?|mins?)\s+(?:ago|back|before|after|since|post)\b",
    re.I,
)
# "day 3 after the infusion", "day 5 since the drip": the n-th day since the infusion
# ("40 min into day 1", "day 2 of the course" are days of a course, not since it)
_DAY_N = re.compile(r"\bday\s+(\d{1,2})\s+(?:after|since|post|following)\b", re.I)
# "infused on the 3rd": a day of this month (or the last month that had it)
_ON_THE_NTH = re.compile(r"\bon\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?[a-z]{3})", re.I)
_LAST_WEEK = re.compile(r"\blast\s+week\b", re.I)
_WEEKDAY = re.compile(r"(?<!next )\b(" + "|".join(_WEEKDAYS) + r")\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_DAY_MONTH = re.compile(r"\b" + _ORD + r"\s+(?:of\s+)?" + _MONTH + r"(?:\s+(\d{4}))?\b", re.I)
_MONTH_DAY = re.compile(r"\b" + _MONTH + r"\s+" + _ORD + r"(?:,?\s+(\d{4}))?\b", re.I)
_INFUSION_WORD = re.compile(r"\b(?:infusions?|drip|lemtrada|alemtuzumab|treatment|dose|course)\b", re.I)
_CLAUSE = re.compile(r"[;!?]|[.,](?!\d)|\b(?:and|but|so|then)\b", re.I)


def _to_float(raw: str) -> float:
    return float(raw.replace(",", "."))


def _as_celsius(value: float, unit: str | None) -> float | None:
    """Convert a reading to °C; None when implausible as a body temperature."""
    if unit == "f":
        lo, hi = EXPLICIT_FAHRENHEIT
        return round((value - 32) * 5 / 9, 1) if lo <= value <= hi else None
    if unit == "c":
        lo, hi = EXPLICIT_CELSIUS
        return round(value, 1) if lo <= value <= hi else None
    if CELSIUS_RANGE[0] <= value <= CELSIUS_RANGE[1]:
        return round(value, 1)
    if FAHRENHEIT_RANGE[0] <= value <= FAHRENHEIT_RANGE[1]:
        return round((value - 32) * 5 / 9, 1)
    return None


@dataclass(frozen=True)
class Quantity:
    """A value read from the message and the character span it was read from."""

    value: float | int | str
    start: int
    end: int


_NOT_A_READING = r"(?![\d.,]\d)(?!\s*(?:mins?|minutes|h|hrs?|hours|secs?|seconds|mg|ml|bpm|kg|/))"


def parse_reading(text: str, names: tuple[str, ...], at_least: float) -> tuple[float, int, int] | None:
    """The lowest plausible number (at least `at_least`, at most 100) said of a device
    reading named by one of `names` within a few words of the same sentence ("o2 sat
    thing says 89%"), with its span; not a duration or a dose ("oxygen for 90 minutes")."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(
        rf"(?<![\w])(?:{alternatives})\b[^\d.!?\n]{{0,40}}?(\d{{2,3}}){_NOT_A_READING}(?:\s*%)?", re.I
    )
    readings = [(float(m.group(1)), m.start(), m.end()) for m in pattern.finditer(text)]
    plausible = [r for r in readings if at_least <= r[0] <= 100]
    return min(plausible) if plausible else None


_PRESSURE_PAIR = re.compile(r"(?<![\d/])(\d{2,3})\s*(?:/|over)\s*(\d{2,3})(?![\d/])", re.I)
_SENTENCE_END = re.compile(r"[.!?\n](?!\d)")


def parse_blood_pressure(text: str, names: tuple[str, ...]) -> tuple[float, int, int] | None:
    """The lowest plausible systolic value of a blood-pressure pair ("75/45", "82 over 50")
    with one of `names` before it in the same sentence, within 60 characters ("usual bp
    140/90, now 88/60"), with its span. A pair needs a diastolic below the systolic, so
    "50/50" and "7/10" are not one."""
    named = re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.I)
    found = []
    for m in _PRESSURE_PAIR.finditer(text):
        high, low = float(m.group(1)), float(m.group(2))
        before = _SENTENCE_END.split(text[max(0, m.start() - 60) : m.start()])[-1]
        if 40 <= high <= 300 and 20 <= low < high and named.search(before):
            found.append((high, m.start(1), m.end(2)))
    return min(found) if found else None


def parse_temperature(text: str, not_after: tuple[str, ...] | None = None) -> Quantity | None:
    """Highest body temperature mentioned, in °C (°F converted), with the span of the number.

    With `not_after` (other measures' names), a bare decimal in the body's range counts too."""
    readings: list[tuple[float | None, int, int]] = []  # None: implausible as a temperature
    for m in _UNIT_TEMP.finditer(text):
        unit = "f" if m.group(2).lower().startswith("f") else "c"
        readings.append((_as_celsius(_to_float(m.group(1)), unit), m.start(1), m.end()))
    readings += [
        (_as_celsius(float(f"{m.group(1)}.{m.group(2)}"), None), m.start(1), m.end())
        for m in _POINT_TEMP.finditer(text)
    ]
    for pattern in (_DEG_ONLY, _WORD_THEN_NUM, _NUM_THEN_WORD):
        readings += [
            (_as_celsius(_to_float(m.group(1)), None), m.start(1), m.end(1)) for m in pattern.finditer(text)
        ]
    valid = [Quantity(value, start, end) for value, start, end in readings if value is not None]
    if not_after is not None:
        valid += [q for q in _decimal_readings(text, not_after) if all(q.start != r.start for r in valid)]
    for reading in valid:  # grows while chained readings are found
        chained = _NEXT_READING.match(text, reading.end)
        value = _as_celsius(_to_float(chained.group(1)), None) if chained else None
        if chained and value is not None and all(r.start != chained.start(1) for r in valid):
            valid.append(Quantity(value, chained.start(1), chained.end(1)))
    return max(valid, key=lambda r: r.value) if valid else None


# a bare number with one decimal in the body's range: "Is 38.4 a problem?", "37.8 yesterday now 38.4"
_DECIMAL_TEMP = re.compile(r"(?<![\d.,])((?:3[5-9]|4[0-2])[.,]\d)(?![\d.,]?\d)" + _NOT_TEMP_UNIT, re.I)
_NAME_BEFORE = 30  # characters before a decimal searched for another measure's name


def _decimal_readings(text: str, not_after: tuple[str, ...]) -> list[Quantity]:
    """Bare decimals read as °C, except right after another measure's name ("BMI 36.5",
    "sats 96.5"): patients give a temperature as a number more than any other measure. A
    number alone answers the question asked (bot.patient.intake), so it needs words."""
    if not re.search(r"[^\W\d_]", text):
        return []
    found = []
    for m in _DECIMAL_TEMP.finditer(text):
        before = " ".join(re.findall(r"[\w/]+", text[max(0, m.start() - _NAME_BEFORE) : m.start()].lower()))
        if not any(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", before) for name in not_after):
            found.append(Quantity(_to_float(m.group(1)), m.start(1), m.end(1)))
    return found


_BARE_NUM = re.compile(_NUM + _DEG + r"?" + _NOT_TEMP_UNIT)


def parse_bare_temperature(text: str) -> Quantity | None:
    """The only number of a message, as °C, when it can only be a body temperature.

    For answers in context, which parse_temperature does not read without a cue:
    "38.6" to "what was your temperature?", or "sorry, I meant 37.8".
    """
    numbers = list(_BARE_NUM.finditer(text))
    if len(numbers) != 1:
        return None
    m = numbers[0]
    value = _as_celsius(_to_float(m.group(1)), None)
    return Quantity(value, m.start(1), m.end(1)) if value is not None else None


def _count(raw: str) -> int:
    raw = " ".join(raw.lower().split())
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def _month_number(raw: str) -> int:
    return next(i for i, m in enumerate(_MONTHS, start=1) if m.startswith(raw.lower().rstrip(".")[:3]))


def _days_to(day: int, month: int, year: int | None, today: date) -> int | None:
    """Days from a calendar date to today; a date without a year is the latest past one."""
    try:
        when = date(year or today.year, month, day)
        if year is None and when > today:
            when = date(today.year - 1, month, day)
    except ValueError:
        return None
    delta = (today - when).days
    return delta if delta >= 0 else None


def _time_mentions(text: str, today: date) -> list[Quantity]:
    found: list[Quantity] = []
    days: int | None
    for pattern, days in _FIXED_DAYS:
        found += [Quantity(days, m.start(), m.end()) for m in pattern.finditer(text)]
    for m in _AGO.finditer(text):
        n, unit = _count(m.group(1)), m.group(2).lower()
        days = (
            n * 7
            if unit.startswith("week")
            else n * 14
            if unit.startswith("fortnight")
            else n // 24
            if unit.startswith("h")
            else 0
            if unit.startswith("m")
            else n
        )
        found.append(Quantity(days, m.start(), m.end()))
    found += [Quantity(int(m.group(1)), m.start(), m.end()) for m in _DAY_N.finditer(text)]
    for m in _ON_THE_NTH.finditer(text):
        day = int(m.group(1))
        last_month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
        days = _days_to(day, today.month, today.year, today) if day <= today.day else None
        if days is None:
            days = _days_to(day, last_month[1], last_month[0], today)
        if days is not None:
            found.append(Quantity(days, m.start(), m.end()))
    found += [Quantity(7, m.start(), m.end()) for m in _LAST_WEEK.finditer(text)]
    for m in _WEEKDAY.finditer(text):
        back = (today.weekday() - _WEEKDAYS.index(m.group(1).lower())) % 7 or 7
        found.append(Quantity(back, m.start(), m.end()))
    for m in _ISO_DATE.finditer(text):
        days = _days_to(int(m.group(3)), int(m.group(2)), int(m.group(1)), today)
        if days is not None:
            found.append(Quantity(days, m.start(), m.end()))
    for m in _DAY_MONTH.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        days = _days_to(int(m.group(1)), _month_number(m.group(2)), year, today)
        if days is not None:
            found.append(Quantity(days, m.start(), m.end()))
    for m in _MONTH_DAY.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        days = _days_to(int(m.group(2)), _month_number(m.group(1)), year, today)
        if days is not None:
            found.append(Quantity(days, m.start(), m.end()))
    return found


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Character bounds of the clause around [start, end): between punctuation or and/but/so/then."""
    left = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE.finditer(text, end)), len(text))
    return left, right


def parse_days_since_infusion(text: str, today: date) -> Quantity | None:
    """Days since the infusion: a time mention in the same clause as an infusion word
    wins; otherwise the earliest time mentioned (the infusion precedes the symptoms)."""
    mentions = _time_mentions(text, today)
    if not mentions:
        return None
    anchored = [m for m in mentions if _INFUSION_WORD.search(text, *clause_bounds(text, m.start, m.end))]
    return max(anchored or mentions, key=lambda m: m.value)


class SeverityReader:
    """Finds the patient's severity words ("a bit", "really bad", "worst") and 0-10 ratings."""

    _SCORE = re.compile(r"(?<![\d.])(10|\d)\s*(?:/|out\s+of)\s*10\b", re.I)

    def __init__(self, words: dict[str, str], scores: dict[str, tuple[int, int]]) -> None:
        alternatives = sorted(words, key=len, reverse=True)
        body = "|".join(r"\s+".join(map(re.escape, w.split())) for w in alternatives)
        self._pattern = re.compile(r"(?<![\w'])(?:" + body + r")(?![\w'])", re.I)
        self._words = words
        self._scores = scores

    def _score_level(self, score: int) -> str | None:
        return next((level for level, (lo, hi) in self._scores.items() if lo <= score <= hi), None)

    def cues(self, text: str) -> list[Quantity]:
        """Every severity phrase or 0-10 rating (value = level); the longest phrase wins at each place."""
        found = [
            Quantity(self._words[" ".join(m.group(0).lower().split())], m.start(), m.end())
            for m in self._pattern.finditer(text)
        ]
        for m in self._SCORE.finditer(text):
            level = self._score_level(int(m.group(1)))
            if level:
                found.append(Quantity(level, m.start(), m.end()))
        return found

    @staticmethod
    def strongest(cues: list[Quantity]) -> Quantity | None:
        """The most severe cue (the first of equals), or None when there is none."""
        return max(cues, key=lambda c: SEVERITY_RANK[str(c.value)]) if cues else None

    def near(self, text: str, start: int, end: int, cues: list[Quantity]) -> str | None:
        """Strongest severity level said in the same clause as the span [start, end)."""
        left, right = clause_bounds(text, start, end)
        cue = self.strongest([c for c in cues if c.start >= left and c.end <= right])
        return str(cue.value) if cue else None
