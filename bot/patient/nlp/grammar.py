"""Compose symptoms from a body part and a sign close together (knowledge/symptom_grammar.yml).

The phrase lexicon lists whole phrasings; people combine the same few words in
endless orders ("my throat feels like it's closing up", "crushing feeling in my
chest"). This spaCy component pairs a part word with a sign word of the same rule
within a short window of the same clause, on lower-case forms and lemmas, and adds
the pair as a symptom entity where the phrase matcher found nothing, or found only
a symptom of a lower triage class inside it ("nosebleed ... won't stop" becomes
bleeding that will not stop, not just a nosebleed). ConText runs
after it, so "no chest pain", "what if my throat swells" and "had chest tightness
but it went" get their status as any phrase does.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from spacy.tokens import Doc, Span

from bot.patient.nlp.typos import english_lemmas
from bot.patient.symptoms import CLASSES, Grammar, GrammarRule


def load_lemmas() -> Mapping[str, str]:
    """spaCy's English lemma lookup table (spacy-lookups-data): word -> lemma, read once
    for the grammar and the typo reader (bot.patient.nlp.typos)."""
    return english_lemmas()


class SymptomGrammar:
    """spaCy pipeline component: adds grammar-composed symptom spans to doc.ents."""

    def __init__(self, grammar: Grammar, lemmas: Mapping[str, str], classes: Mapping[str, str]) -> None:
        """`classes`: symptom id -> triage class, to tell which matches a pair may replace."""
        self.grammar = grammar
        self.lemmas = lemmas
        self.rank = {symptom: len(CLASSES) - CLASSES.index(cls) for symptom, cls in classes.items()}

    def _keys(self, doc: Doc) -> list[frozenset[str]]:
        return [frozenset((t.lower_, self.lemmas.get(t.lower_, t.lower_))) for t in doc]

    def _pairs(
        self, doc: Doc, rule: GrammarRule, keys: list[frozenset[str]], sentence: list[int], taken: set[int]
    ) -> Iterable[tuple[int, int]]:
        """(start, end) token spans pairing a part and a sign of `rule`; `taken` holds the
        tokens of matches the rule's symptom may not replace."""
        parts = [i for i, k in enumerate(keys) if k & rule.parts and i not in taken]
        signs = [
            i
            for i, k in enumerate(keys)
            if k & rule.signs
            and i not in taken
            and (not rule.needs_lead or self._negation_before(doc, i) is not None)
        ]
        for p in parts:
            for s in signs:
                lo, hi = min(p, s), max(p, s)
                if (
                    p == s
                    or hi - lo - 1 > rule.window
                    or sentence[lo] != sentence[hi]
                    or (rule.part_first and s < p)
                ):
                    continue
                between = range(lo + 1, hi)
                if any(
                    doc[j].lower_ in self.grammar.breaks
                    or j in taken
                    or self._denies(doc, j, s)
                    or self._claims(rule, keys[j], keys[s])
                    for j in between
                ):
                    continue
                start = lo
                while (
                    s == lo
                    and self._unable(keys[s])
                    and start > 0
                    and doc[start - 1].lower_ in self.grammar.lead
                    and start - 1 not in taken
                ):
                    start -= 1
                yield start, hi + 1

    def _claims(self, rule: GrammarRule, between: frozenset[str], sign: frozenset[str]) -> bool:
        """Whether a word between part and sign is the part of another symptom that the
        sign also describes: the sign then belongs to that nearer part ("eyes look
        yellow and my wee is dark": dark is the urine's, not the eyes')."""
        return any(
            other.symptom != rule.symptom and between & other.parts and sign & other.signs
            for other in self.grammar.rules
        )

    def _unable(self, key: frozenset[str]) -> bool:
        """Whether a sign is one a lead word belongs to ("can't lift"): only those take it
        into the symptom, so the "not" of "face not swollen, lips" stays a negation."""
        return bool(key & self.grammar.inability)

    def _denies(self, doc: Doc, j: int, sign: int) -> bool:
        """Whether token j is a negation between part and sign that denies the sign
        ("face isn't drooping"), not one that completes it ("arm I can't lift")."""
        if doc[j].lower_ not in self.grammar.negations:
            return False
        completes = self._negation_before(doc, sign) == j and doc[sign].lower_ in self.grammar.inability
        return not completes

    def _negation_before(self, doc: Doc, i: int) -> int | None:
        """The negation that completes the sign at i, right before it or before only filler
        words ("won't stop", "can't get it to stop"), if there is one."""
        j = i - 1
        while j >= 0 and i - j <= 4 and doc[j].lower_ in self.grammar.fillers:
            j -= 1
        return j if j >= 0 and doc[j].lower_ in self.grammar.negations else None

    def _kept(self, doc: Doc, symptom: str) -> set[int]:
        """Tokens of the matches a pair for `symptom` may not overlap: look-alikes
        (NOT_SYMPTOM) and symptoms of the same or a more urgent class."""
        rank = self.rank.get(symptom, 0)
        return {
            i
            for ent in doc.ents
            if self.rank.get(ent.label_, len(CLASSES) + 1) >= rank
            for i in range(ent.start, ent.end)
        }

    def __call__(self, doc: Doc) -> Doc:
        keys = self._keys(doc)
        sentence, n = [], -1
        for token in doc:
            n += 1 if token.is_sent_start or token.i == 0 else 0
            sentence.append(n)
        found = sorted(
            (
                (start, end, rule.symptom)
                for rule in self.grammar.rules
                for start, end in self._pairs(doc, rule, keys, sentence, self._kept(doc, rule.symptom))
            ),
            key=lambda c: (-self.rank.get(c[2], 0), c[1] - c[0], c[0]),
        )
        ents = list(doc.ents)
        for start, end, symptom in found:
            if any(
                ent.start < end
                and start < ent.end
                and self.rank.get(ent.label_, 9) >= self.rank.get(symptom, 0)
                for ent in ents
            ):
                continue
            ents = [e for e in ents if not (e.start < end and start < e.end)]
            ents.append(Span(doc, start, end, label=symptom))
        doc.ents = sorted(ents, key=lambda span: span.start)
        return doc
