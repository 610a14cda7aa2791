"""Who is writing: a patient about themselves, or site staff about a patient.

Pure functions, free of Rasa. The channel's metadata wins when it names a role
(the web chat sends "patient"; Slack and Teams send "staff"); otherwise a staff
cue in the message ("my patient has a rash", "pt c/o headache") makes it staff,
and anything else is a patient.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

PATIENT, STAFF = "patient", "staff"
ROLES = (PATIENT, STAFF)

# How staff refer to the people they treat. Strong cues make a message staff's;
# weak ones only when the writer does not speak of themselves ("patient in
# anaphylaxis" is staff, "I'm one of the patients and I have a rash" is not).
STRONG_STAFF_CUE = re.compile(
    r"""\b(?:my|our|the|this|that|another)\s+(?:patient|pt)\b      # my patient, the pt
      | \b(?:my|our)\s+(?:patient|pt)s\b                         # my patients
      | \ba\s+(?:patient|pt)\s+of\s+(?:mine|ours)\b
      | \bpts?\b                                                   # pt, pts
      | \bc/o\b                                                    # complains of
    """,
    re.IGNORECASE | re.VERBOSE,
)
WEAK_STAFF_CUE = re.compile(r"^\W*(?:a\s+)?patient\b|\bpatients\b|\ba\s+patient\b", re.IGNORECASE)
SELF = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|me|my|myself|mine)\b", re.IGNORECASE)
SELF_AS_PATIENT = re.compile(r"\b(?:i'?m|i\s+am|im)\s+(?:the|a|your)\s+patient\b", re.IGNORECASE)

# A staff message about a patient's symptoms is answered from the knowledge base:
# delayed-reaction advice when it happened after the infusion, else management.
AFTER_INFUSION = re.compile(
    # "called" by the patient, not staff calling for help ("I've stopped the pump and called for the reg")
    r"\b(?:at home|home|rang|rung|called(?!\s+(?:for\s+)?(?:the\s+)?(?:reg|registrar|doctor|dr|team|medics?|crash|"
    r"rapid|emergency|consultant|sho|anaesthetist|outreach|help)\b)|phoned|calls|next day|the day after|"
    # a night in hospital for the reaction ("kept overnight") tells its grade, not a later time
    r"(?<!kept )(?<!kept in )(?<!stayed )(?<!stayed in )(?<!admitted )overnight|"
    r"(?:days?|weeks?|wks?|months?|years?) (?:later|after)|after (?:discharge|the infusion|going home)|"
    # "since" dates a sign from earlier days ("since yesterday"), not from the restart or the
    # start of the bag at the chair ("sats dropping since we restarted")
    r"since(?!\s+(?:(?:we|they|i|you|she|he|it|the|starting|restarting)\s+)?(?:re-?)?start)"
    r"(?!\s+(?:the\s+)?(?:bag|drip|infusion|rate|restart|pause|paused)\b)(?!\s+\d+\s*(?:mins?|minutes)\b)"
    # nor a clock time at the chair ("rigoring since 14:10, we stopped at 14:15")
    r"(?!\s+\d{1,2}(?:[:.]\d{2}|\s*(?:am|pm)\b))|"
    r"texting|texted|messaged)\b",
    re.IGNORECASE,
)
# A case relayed from a call or message: the signs it names are a patient's now.
RELAYED = re.compile(r"\b(?:rang|rung|phoned|called|calls|calling|on the phone|texted|messaged)\b")
SYMPTOM_INTENTS = ("report_symptoms", "inform")


def role_of(text: str | None, metadata: Mapping[str, Any] | None = None) -> str:
    """ "patient" or "staff": the metadata role if valid, else a staff cue in the text, else patient."""
    claimed = str((metadata or {}).get("role") or "").strip().lower()
    if claimed in ROLES:
        return claimed
    text = (text or "").replace("\u2019", "'")
    if SELF_AS_PATIENT.search(text):
        return PATIENT
    if STRONG_STAFF_CUE.search(text) or (WEAK_STAFF_CUE.search(text) and not SELF.search(text)):
        return STAFF
    return PATIENT


def staff_intent(
    intent: str | None, text: str | None, entities: Iterable[Mapping[str, Any]] = ()
) -> str | None:
    """The staff question a message stands for: a symptom report from staff becomes
    a question on delayed reactions (after the infusion) or on managing a reaction."""
    if intent not in SYMPTOM_INTENTS:
        return intent
    days = [e.get("value") for e in entities if e.get("entity") == "days_since_infusion"]
    after = any(str(d).isdigit() and int(str(d)) >= 1 for d in days)
    return "ask_delayed_reactions" if after or AFTER_INFUSION.search(text or "") else "ask_manage_reaction"


def reports_symptoms(entities: Iterable[Mapping[str, Any]]) -> bool:
    """True when the message names a symptom someone has now (the patient, or someone
    with them), that just came and went, or that the patient calls their usual one: a
    message like that is a symptom report, whatever its intent, and gets a triage, not a
    "Goodbye." (bot.rasa.components.SymptomIntentGuard)."""
    return any(
        e.get("entity") == "symptom"
        and (e.get("role") or "present") in ("present", "family", "resolved", "gradual", "usual")
        for e in entities
    )


# At most this many words, with nothing read from them, is a bare "yes" or "no";
# a longer message read as yes/no ("Temperature 38C, thats it, otherwise fine",
# "cough for 3 weeks, no blood") is a report the triage must see.
BARE_ANSWER_WORDS = 5
_ANSWER_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def bare_answer(text: str, entities: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a patient's yes/no outside any question is just that ("no thanks", "ok
    yes"), to get a short reply, rather than a report read as yes or no: a message that
    names a symptom in any status, a temperature or a time since the infusion, or has
    more than a few words, goes to the symptom report (never a silent "all right")."""
    facts = {"symptom", "temperature", "days_since_infusion", "language"}
    if any(e.get("entity") in facts for e in entities):
        return False
    return len(_ANSWER_WORD.findall(text)) <= BARE_ANSWER_WORDS
