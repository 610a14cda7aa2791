"""Build the rule-based medspaCy pipeline: PyRuSH sentences, symptom TargetMatcher, ConText."""

from __future__ import annotations

import logging
import warnings
from typing import Callable

import medspacy
from loguru import logger
from medspacy.context import ConTextRule
from medspacy.target_matcher import TargetRule
from spacy.language import Language
from spacy.tokens import Span

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


def _target_rules(lexicon: Lexicon) -> list[TargetRule]:
    rules = []
    for symptom in lexicon.symptoms.values():
        rules += [TargetRule(p, symptom.id) for p in symptom.phrases]
        rules += [TargetRule(p, NOT_SYMPTOM) for p in symptom.not_phrases]
    return rules


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
        )
        for spec in config.rules
    ]


def build_pipeline(lexicon: Lexicon, config: ContextConfig) -> Language:
    """A blank-English medspaCy pipeline with the project's lexicon, symptom grammar
    (bot.patient.nlp.grammar) and ConText rules.

    Phrases go to spaCy PhraseMatchers on the lower-cased tokens (case-insensitive,
    tokenized like the messages). medspaCy runs the pipeline on each phrase when it
    is added, so all components are switched off meanwhile.
    """
    logger.disable("PyRuSH")  # PyRuSH logs every token at DEBUG level
    logging.getLogger().addFilter(_not_pyfastner_syntax_note)  # added once (addFilter skips repeats)
    nlp = medspacy.load(
        medspacy_enable=["medspacy_tokenizer", "medspacy_pyrush", "medspacy_target_matcher"],
    )
    nlp.add_pipe("iar_symptom_grammar", after="medspacy_target_matcher")
    context = nlp.add_pipe(
        "medspacy_context",
        config={"rules": None, "prune_on_target_overlap": True, "span_attrs": None},
    )
    with nlp.select_pipes(disable=nlp.pipe_names):
        nlp.get_pipe("medspacy_target_matcher").add(_target_rules(lexicon))
        context.add(_context_rules(config))
    return nlp
