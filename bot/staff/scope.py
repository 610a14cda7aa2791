"""Is a question about alemtuzumab, or about another drug the bot must not answer for?"""

from __future__ import annotations

import re
from typing import Mapping

WORD = re.compile(r"[a-z][a-z0-9-]+")


def other_drug_mentioned(
    text: str,
    this_drug: Mapping[str, str],
    other_drugs: Mapping[str, str],
    suffixes: Mapping[str, str],
    comparisons: Mapping[str, str] | None = None,
) -> str | None:
    """The first other drug named in the text, unless the text also names alemtuzumab
    (and does not compare the two: "are rituximab premeds the same as lemtrada's?").

    Known other drugs come from knowledge/scope.yml; unknown ones are caught by
    their class suffix (e.g. "-mab" for monoclonal antibodies).
    """
    lowered = text.lower()
    words = WORD.findall(lowered)
    compares = any(re.search(rf"(?<![\w']){re.escape(c)}(?![\w'])", lowered) for c in comparisons or {})
    if any(w in this_drug for w in words) and not compares:
        return None
    for word in (w for w in words if w not in this_drug):
        if word in other_drugs or any(word.endswith(s) and len(word) > len(s) + 3 for s in suffixes):
            return str(word)
    return None


def drug_dose_asked(
    text: str,
    this_drug: Mapping[str, str],
    drugs: Mapping[str, str],
    suffixes: Mapping[str, str],
    dose_words: Mapping[str, str],
) -> str | None:
    """The drug whose dose a question asks, when it is not alemtuzumab and the entries give it
    no dose ("max dose of diphenhydramine IV", "tocilizumab dose for CRS from lemtrada"):
    naming alemtuzumab as well does not make another drug's dose a protocol question."""
    lowered = text.lower()
    if not any(re.search(rf"(?<![\w']){re.escape(w)}(?![\w'])", lowered) for w in dose_words):
        return None
    for word in (w for w in WORD.findall(lowered) if w not in this_drug):
        if word in drugs or any(word.endswith(s) and len(word) > len(s) + 3 for s in suffixes):
            return str(word)
    return None
