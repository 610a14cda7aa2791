"""Rasa 3.6 tokenizer that reads clinical shorthand as the words it stands for.

config.yml:
    pipeline:
      - name: bot.rasa.tokenizer.ShorthandTokenizer   # in place of WhitespaceTokenizer

Training examples and incoming messages go through the same expansion
(knowledge/shorthand.yml), so "premeds", "sats 91" or "gr 3" reach the intent
classifier as "premedication", "oxygen saturation 91" and "grade 3". The message
text itself is left as typed: regex entities and the symptom extractor read it
unchanged, and every token keeps the character span of the words it replaced.
"""

from __future__ import annotations

from typing import List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.staff.shorthand import shorthand


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ShorthandTokenizer(WhitespaceTokenizer):
    """Whitespace tokens, with shorthand spans replaced by the tokens of their expansion."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        tokens = super().tokenize(message, attribute)
        if attribute != TEXT:
            return tokens
        replacements = shorthand().replacements(message.get(TEXT) or "")
        if not replacements:
            return tokens
        out: List[Token] = []
        done = set()
        for token in tokens:
            span = next((r for r in replacements if r.start <= token.start < r.end), None)
            if span is None:
                out.append(token)
            elif id(span) not in done:
                done.add(id(span))
                out += [Token(word, span.start, span.end) for word in self._words(span.text)]
        return out

    def _words(self, text: str) -> List[str]:
        """The expansion split as the whitespace tokenizer splits a message."""
        return [t.text for t in super().tokenize(Message(data={TEXT: text}), TEXT)]
