"""Extract symptoms (with ConText status), temperature, time since infusion and severity."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from bot.patient.findings import Extraction, Finding
from bot.patient.nlp.pipeline import NOT_SYMPTOM, build_pipeline
from bot.patient.nlp.quantities import (
    Quantity,
    SeverityReader,
    parse_blood_pressure,
    parse_days_since_infusion,
    parse_reading,
    parse_temperature,
)
from bot.patient.nlp.typos import TypoReader, english_words
from bot.patient.symptoms import (
    WORD,
    ContextConfig,
    load_context_config,
    load_grammar,
    load_lexicon,
    load_spelling,
    normalise,
    respell,
    vocabulary,
)


class _Extractor:
    """The pipeline and readers, built once per process."""

    def __init__(self) -> None:
        lexicon = load_lexicon()
        self.readings = lexicon.readings
        # a bare decimal right after a device reading's name or another measure is not a temperature
        self.not_temperature = lexicon.not_temperature + tuple(n for r in lexicon.readings for n in r.names)
        self.context: ContextConfig = load_context_config()
        self.nlp: Language = build_pipeline(lexicon, self.context)
        self.severity = SeverityReader(lexicon.severity_words, lexicon.severity_scores)
        self.hypothetical = {c for c, s in self.context.status_by_category.items() if s == "hypothetical"}
        self.typos = TypoReader(vocabulary(lexicon, load_grammar()), english_words())

    def status(self, span: Span, wide: frozenset[str] = frozenset()) -> str:
        """Highest-priority status among the ConText modifiers of a symptom span; `wide`
        holds the message-wide categories found anywhere in the message (for `together`)."""
        categories = {modifier.category for modifier in span._.modifiers}
        both = next((status for needed, status in self.context.together if needed <= categories | wide), None)
        if both is not None:
            return both
        return next((s for c, s in self.context.status_by_category.items() if c in categories), "present")

    def findings(self, text: str, cues: list[Quantity]) -> tuple[tuple[Finding, ...], Doc]:
        """One finding per symptom span (offsets in `text`), with its status and the
        severity said in its clause; also the processed Doc."""
        spelling = load_spelling()
        spelling = {**self.typos.corrections(WORD.findall(text), spelling), **spelling}
        clean, index = respell(*normalise(text), spelling)
        doc = self.nlp(clean)
        wide = frozenset(m.category for m in doc._.context_graph.modifiers) & self.context.message_wide
        found = []
        for ent in doc.ents:
            if ent.label_ == NOT_SYMPTOM:
                continue
            start, end = index[ent.start_char], index[ent.end_char - 1] + 1
            found.append(
                Finding(
                    symptom=ent.label_,
                    text=text[start:end],
                    start=start,
                    end=end,
                    status=self.status(ent, wide),
                    severity=self.severity.near(text, start, end, cues),
                )
            )
        return tuple(found + self.low_readings(text)), doc

    def low_readings(self, text: str) -> list[Finding]:
        """A device reading below its threshold (knowledge/symptoms.yml `readings`) as a
        present symptom: a number is not negated or hypothetical the way words are."""
        found = []
        for reading in self.readings:
            read = (
                parse_blood_pressure(text, reading.names)
                if reading.pressure
                else parse_reading(text, reading.names, reading.at_least)
            )
            if read is not None and read[0] < reading.below:
                _, start, end = read
                found.append(Finding(reading.symptom, text[start:end], start, end, "present"))
        return found

    def __call__(self, text: str, today: date) -> Extraction:
        cues = self.severity.cues(text)
        findings, doc = self.findings(text, cues)
        asks_if = any(m.category in self.hypothetical for m in doc._.context_graph.modifiers)
        read = {
            "temperature_c": parse_temperature(text, self.not_temperature),
            "days_since_infusion": parse_days_since_infusion(text, today),
            "severity": SeverityReader.strongest(cues),
        }
        return Extraction(
            text=text,
            findings=findings,
            hypothetical_question=asks_if and not any(f.is_present for f in findings),
            spans={k: (q.start, q.end) for k, q in read.items() if q is not None},
            **{k: (q.value if q is not None else None) for k, q in read.items()},  # type: ignore[arg-type]
        )


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=1)
def get_extractor() -> _Extractor:
    """The process-wide extractor (loads the lexicon and builds the pipeline on first use)."""
    return _Extractor()


def extract(text: str, today: date | None = None) -> Extraction:
    """Read symptoms, temperature (°C), days since the infusion and severity from `text`.

    `today` anchors relative times ("yesterday", "on Monday", "12 March"); default: today.
    Lone surrogates, which spaCy cannot encode, are read as U+FFFD (offsets unchanged).
    """
    return get_extractor()(LONE_SURROGATE.sub("\ufffd", text), today or date.today())
