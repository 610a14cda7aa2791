"""Build the rule-based medspaCy pipeline: PyRuSH sentences, symptom TargetMatcher, ConText."""

from __future__ import annotations

import logging
import warnings
from typing import Any, Callable, Iterable

import medspacy
from loguru import logger
from medspacy.common.util import prune_overlapping_matches
from medspacy.context import ConTextRule
from spacy.language import Language
from spacy.tokens import Doc, Span

from bot.patient.nlp.grammar import SymptomGrammar, load_lemmas
from bot.patient.symptoms import ContextConfig, Lexicon, load_grammar, load_lexicon

NOT_SYMPTOM = "NOT_SYMPTOM"

# All rules are phrases, so medspaCy's token Matchers stay empty and spaCy would
# warn about it (W036) on every message.
warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning, module="medspacy")


def _not_pyfastner_syntax_note(record: logging.LogRecord) -> bool:
    """PyFastNER (under PyRuSH) logs 'is not a eligible syntax' on the root logger for
    every character of every message: ~100 KB of log per 1 KB message under Rasa."""
    return not (record.name == "root" and "is not a eligible syntax" in str(record.msg))


class SymptomMatcher:
    """The lexicon's phrases on the lower-cased tokens, labelled with their symptom id; of
    overlapping matches the longest is kept, as medspaCy's TargetMatcher does.

    Phrases live in a trie of token texts instead of spaCy PhraseMatchers: building those
    for ~58,000 phrases (a Doc each, a vocabulary entry per TargetRule) cost 4 s of every
    start-up. A phrase is tokenized one space-separated chunk at a time, which is how the
    tokenizer splits text anyway, so ~1,100 distinct chunks are tokenized once each."""

    END = ""  # key of a trie node holding the label of the phrase that ends there

    def __init__(self, nlp: Language) -> None:
        self.tokenizer = nlp.tokenizer
        self.trie: dict[str, Any] = {}
        self.chunks: dict[str, tuple[str, ...]] = {}

    def _tokens(self, phrase: str) -> list[str]:
        tokens: list[str] = []
        for chunk in phrase.lower().split():
            if chunk not in self.chunks:
                self.chunks[chunk] = tuple(t.text for t in self.tokenizer(chunk))
            tokens += self.chunks[chunk]
        return tokens

    def add(self, label: str, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            tokens = self._tokens(phrase)
            if not tokens:
                continue
            node = self.trie
            for token in tokens:
                node = node.setdefault(token, {})
            node.setdefault(self.END, label)  # a phrase listed twice keeps its first label

    def matches(self, doc: Doc) -> list[tuple[str, int, int]]:
        """Every (label, start, end) of a phrase in the doc, overlapping ones included."""
        found = []
        words = [t.lower_ for t in doc]
        for start in range(len(words)):
            node = self.trie
            for end in range(start, len(words)):
                child = node.get(words[end])
                if child is None:
                    break
                node = child
                if self.END in node:
                    found.append((node[self.END], start, end + 1))
        return found

    def __call__(self, doc: Doc) -> Doc:
        for label, start, end in prune_overlapping_matches(self.matches(doc)):
            try:
                doc.ents += (Span(doc, start, end, label=label),)
            except ValueError:  # its tokens are already in an entity: the earlier one stays
                continue
        return doc


@Language.factory("iar_symptom_matcher")
def _symptom_matcher(nlp, name):  # type: ignore[no-untyped-def]
    """An empty SymptomMatcher; build_pipeline adds the phrases."""
    return SymptomMatcher(nlp)


@Language.factory("iar_symptom_grammar")
def _symptom_grammar(nlp, name):  # type: ignore[no-untyped-def]
    """The grammar of knowledge/symptom_grammar.yml with spaCy's English lemma table.
    (No annotations: spaCy validates factory arguments and cannot resolve postponed ones.)"""
    classes = {symptom.id: symptom.cls for symptom in load_lexicon().symptoms.values()}
    return SymptomGrammar(load_grammar(), load_lemmas(), classes)


def _reach_check(config: ContextConfig) -> Callable[[Span, Span, Span], bool]:
    """ConText `on_modifies` callback: the cue reaches the symptom only across fillers,
    numbers ("a stroke 10 yrs ago"), other symptoms and the commas of an "or" list
    (see `reach` in context_rules.yml)."""

    def modifies(target: Span, modifier: Span, between: Span) -> bool:
        doc = target.doc
        in_symptom = {i for ent in doc.ents for i in range(ent.start, ent.end)}
        gap = [
            t
            for t in between
            if t.i not in in_symptom and not modifier.start <= t.i < modifier.end and not t.like_num
        ]
        if any(t.lower_ not in config.fillers and t.lower_ not in config.list_words for t in gap):
            return False
        if not any(t.text == "," for t in gap):
            return True
        after = doc[target.end : min(len(doc), target.end + config.list_lookahead)]
        return any(t.lower_ in config.list_words and t.text != "," for t in list(gap) + list(after))

    return modifies


def _context_rules(config: ContextConfig) -> list[ConTextRule]:
    check = _reach_check(config)
    return [
        ConTextRule(
            spec.literal,
            spec.category,
            direction=spec.direction,
            max_scope=spec.max_scope,
            terminated_by=set(config.terminated_by.get(spec.category, ())),
            on_modifies=check if spec.category in config.reach_categories else None,
            allowed_types=config.applies_to.get(spec.category),
        )
        for spec in config.rules
    ]


def build_pipeline(lexicon: Lexicon, config: ContextConfig) -> Language:
    """A blank-English medspaCy pipeline with the project's lexicon, symptom grammar
    (bot.patient.nlp.grammar) and ConText rules.

    Phrases are matched on the lower-cased tokens (case-insensitive, tokenized like the
    messages). medspaCy's ConText runs the pipeline on each of its rules when they are
    added, so all components are switched off meanwhile.
    """
    logger.disable("PyRuSH")  # PyRuSH logs every token at DEBUG level
    logging.getLogger().addFilter(_not_pyfastner_syntax_note)  # added once (addFilter skips repeats)
    nlp = medspacy.load(medspacy_enable=["medspacy_tokenizer", "medspacy_pyrush"])
    matcher = nlp.add_pipe("iar_symptom_matcher")
    nlp.add_pipe("iar_symptom_grammar")
    context = nlp.add_pipe(
        "medspacy_context",
        config={"rules": None, "prune_on_target_overlap": True, "span_attrs": None},
    )
    with nlp.select_pipes(disable=nlp.pipe_names):
        for symptom in lexicon.symptoms.values():
            matcher.add(symptom.id, symptom.phrases)
        matcher.add(NOT_SYMPTOM, (p for s in lexicon.symptoms.values() for p in s.not_phrases))
        context.add(_context_rules(config))
    return nlp
