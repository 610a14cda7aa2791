"""What a staff message asks: its constraints (grade, course, dose), whether it asks what
to do, for a quiz, or follows up the previous question. Pure functions over the expanded
text (bot/staff/shorthand.py) and the cue lists in knowledge/staff_cues.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from bot.core.paths import KNOWLEDGE_DIR
from bot.core.roles import RELAYED
from bot.core.yamlfile import read_yaml
from bot.patient.nlp.typos import one_edit
from bot.staff.entities import NUMBER_WORDS, ROMAN

CUES_FILE = KNOWLEDGE_DIR / "staff_cues.yml"
SCOPE_FILE = KNOWLEDGE_DIR / "scope.yml"
# Read as a quiz request, a message naming chat outside work ("code for the staff car park?")
# asks something: the answer logic declines it. The quiz's own words are many; the chat is not.
QUIZ_START = "start_quiz"
GRADE = re.compile(r"\bgrade\s*-?\s*(\d+|iv|v|i{1,3})\b")
COURSE = re.compile(r"\bcourse\s*(\d+)\b")
ORDINAL_COURSE = re.compile(
    r"\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|one|two|three)"
    r"\s+(?:treatment\s+)?(?:course|round|cycle)\b"
)
# "and the second one?", "and second?" after a course's answer: that course
ORDINAL_ONE = re.compile(r"\b(first|second|third|1st|2nd|3rd)\s+one\b")
BARE_ORDINAL = re.compile(
    r"^\W*(?:and|n|what about|how about)?\s*(?:the|in the|for the)?\s*(first|second|third|1st|2nd|3rd)\W*$"
)
# a concentration ("1mg/ml amps", "1 mg per mL") is no dose; "36 mg/day" is one
DOSE = re.compile(r"\b(\d+(?:\.\d+)?)\s*mg\b(?!\s*(?:/|per\s)\s*m?l\b)")
# a dose written without its unit right after the word ("the higher dose (24)"): two digits, so
# that "dose 2" (the second infusion) is none
DOSE_BY_WORD = re.compile(r"\bdose\s*[(:=]?\s*(\d{2})\b(?!\s*(?:%|h\b|hours?|days?|min))")
# the courses after one ("any IAR data beyond c2?"): the next course
BEYOND_COURSE = re.compile(r"\b(?:beyond|past)\s+course\s*(\d+)\b")
# the second of two values written once: "course 1 and 2", "12 vs 24 mg"
COURSE_PAIR = re.compile(r"\bcourses?\s*\d+\s*(?:and|&|\+|vs\.?|versus|or|to|-|/)\s*(\d+)\b")
# a dose compared with another written after it without its unit ("the 24mg arm vs 12?")
DOSE_VERSUS = re.compile(
    r"\bmg\b[^\d?.]{0,25}?\b(?:vs\.?|versus|compared (?:to|with)|or)\s*(\d{2})\b(?!\s*(?:%|h\b|hours?|days?|min))"
)
DOSE_PAIR = re.compile(r"\b(\d+(?:\.\d+)?)\s*(?:and|&|\+|vs\.?|versus|or|/)\s*\d+(?:\.\d+)?\s*mg\b")
# a number that is a day, a time or a duration ("what about day 4?", "2 h"), not a constraint
UNIT_NUMBER = re.compile(
    r"\b(?:day|days|hour|hours|week|weeks|month|months)\s*\d|"
    r"\d\s*(?:h|hr|hrs|hours?|min|mins|minutes?|days?|weeks?|wks?|months?)\b"
)
VITAL_RATE = re.compile(r"\b(?:heart|respiratory|pulse|breathing)\s+rate\b")
# a number standing alone, not one inside a name ("CD4 count?" names no course 4)
BARE_NUMBER = re.compile(r"^\D*?(?<![a-z])(\d+(?:\.\d+)?)\D*$")
WORD = re.compile(r"[a-z0-9']+")
TRAILING_AGAIN = re.compile(r"\bagain\W*(?:please|pls)?\W*$")
# Alemtuzumab doses are tens of mg; larger figures (the steroid premedication's dose) are not.
MAX_DOSE_MG = 100
# A one-word cue this long is also read misspelt by one letter ("anaphalaxis"): long words
# are seldom one letter from another word.
MIN_FUZZY_CUE = 7


@dataclass(frozen=True)
class Cues:
    management: tuple[str, ...]
    quiz: tuple[str, ...]
    openers: tuple[str, ...]
    filler: frozenset[str]
    max_words: int
    # a follow-up asking a detail may be a little longer ("how long after is the risk highest")
    detail_max_words: int
    acknowledgements: frozenset[str]
    after_infusion: tuple[str, ...]
    grade_question: tuple[str, ...]
    question_words: frozenset[str]
    restart: tuple[str, ...]
    rechallenge: tuple[str, ...]
    topic_words: tuple[str, ...]
    anaphylaxis: tuple[str, ...]
    about_signs: tuple[str, ...]
    grade_definition: tuple[str, ...]
    small_talk: Mapping[str, tuple[str, ...]]
    all_courses: tuple[str, ...]
    allergic: tuple[str, ...]
    premedication: tuple[str, ...]
    optional_premedication: tuple[str, ...]
    steroid: tuple[str, ...]
    premedication_neighbours: frozenset[str]
    premedication_override: float
    descriptive_intents: frozenset[str]
    trial_rule: tuple[str, ...]
    unsure_intents: Mapping[str, tuple[str, ...]]
    grading: tuple[str, ...]
    small_talk_times: tuple[str, ...]
    figure: tuple[str, ...]
    figure_neighbours: frozenset[str]
    asker_times: tuple[str, ...]
    changes_answer: tuple[str, ...]
    detail: tuple[str, ...]
    recurrence: tuple[str, ...]
    # a neighbour read only when none of its words is in the message (a serious figure asked)
    figure_neighbour_words: Mapping[str, tuple[str, ...]]
    # "this morning" dates a sign told at the chair ("C1D2, rash this morning, we paused it")
    # from earlier the same day, not after the infusion
    same_day_times: tuple[str, ...]
    at_chair: tuple[str, ...]
    # "what's the very first step": what to do, even in the words of a "what is" question
    first_step: tuple[str, ...]
    # "and how is it different from 3": the previous answer and the new one side by side
    compare: tuple[str, ...]
    # a greeting or thanks holding a protocol question is the question
    small_talk_question_intents: frozenset[str]
    protocol_words: tuple[str, ...]
    hospital_stay: tuple[str, ...]
    is_it_anaphylaxis: tuple[str, ...]
    earlier_day: tuple[str, ...]
    frequency: tuple[str, ...]
    supposing: tuple[str, ...]
    previous_course: tuple[str, ...]
    now: tuple[str, ...]
    emergency_numbers: tuple[str, ...]


@lru_cache(maxsize=1)
def cues(path: Path = CUES_FILE) -> Cues:
    data = read_yaml(Path(path))
    return Cues(
        tuple(data["management_words"]),
        tuple(data["quiz_words"]),
        tuple(data["followup_openers"]),
        frozenset(data["followup_filler"]),
        int(data["followup_max_words"]),
        int(data["detail_max_words"]),
        frozenset(data["acknowledgements"]),
        tuple(data["after_infusion_words"]),
        tuple(data["grade_question_words"]),
        frozenset(data["question_words"]),
        tuple(data["restart_words"]),
        tuple(data["rechallenge_words"]),
        tuple(data["topic_words"]),
        tuple(data["anaphylaxis_words"]),
        tuple(data["about_signs_words"]),
        tuple(data["grade_definition_words"]),
        {intent: tuple(words) for intent, words in data["small_talk_words"].items()},
        tuple(data["all_courses_words"]),
        tuple(data["allergic_words"]),
        tuple(data["premedication_words"]),
        tuple(data["optional_premedication_words"]),
        tuple(data["steroid_words"]),
        frozenset(data["premedication_neighbours"]),
        float(data["premedication_override_confidence"]),
        frozenset(data["descriptive_intents"]),
        tuple(data["trial_rule_words"]),
        {intent: tuple(words) for intent, words in data["unsure_intent_words"].items()},
        tuple(data["grading_words"]),
        tuple(data["small_talk_times"]),
        tuple(data["figure_words"]),
        frozenset(data["figure_neighbours"]),
        tuple(data["asker_times"]),
        tuple(data["changes_answer_words"]),
        tuple(data["detail_words"]),
        tuple(data["recurrence_words"]),
        {intent: tuple(words) for intent, words in data["figure_neighbour_words"].items()},
        tuple(data["same_day_times"]),
        tuple(data["at_chair_words"]),
        tuple(data["first_step_words"]),
        tuple(data["compare_words"]),
        frozenset(data["small_talk_question_intents"]),
        tuple(data["protocol_words"]),
        tuple(data["hospital_stay_words"]),
        tuple(data["is_it_anaphylaxis_words"]),
        tuple(data["earlier_day_words"]),
        tuple(data["frequency_words"]),
        tuple(data["supposing_words"]),
        tuple(data["previous_course_words"]),
        tuple(data["now_words"]),
        tuple(data["emergency_numbers"]),
    )


@lru_cache(maxsize=1)
def _chat_topics(path: Path = SCOPE_FILE) -> tuple[str, ...]:
    return tuple(read_yaml(Path(path))["chat_topics"])


@lru_cache(maxsize=None)
def _phrases(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a cue list: a pattern per phrase on every call was most of a staff
    answer's time (thousands of phrases, past the regex module's cache). A phrase matches at the
    start of a word; one ending in "$" only as whole words ("rang$" is not "range")."""
    return re.compile(
        r"(?<![\w'])(?:"
        + "|".join(re.escape(p[:-1]) + r"(?![\w'])" if p.endswith("$") else re.escape(p) for p in phrases)
        + ")"
    )


def _has_phrase(text: str, phrases: Iterable[str]) -> bool:
    """A phrase of the list in the text, starting at a word."""
    listed = tuple(phrases)
    return bool(listed) and _phrases(listed).search(text.lower()) is not None


def _ordinal(word: str) -> str:
    word = re.sub(r"(st|nd|rd|th)$", "", word) if word[0].isdigit() else word
    return NUMBER_WORDS.get(word, word)


def _next_courses_read(text: str) -> str:
    """The text with a course beyond another written as that next course."""
    return BEYOND_COURSE.sub(lambda m: f"course {int(m.group(1)) + 1}", text)


def constraints(text: str) -> dict[str, str]:
    """Grade, course, dose and anaphylaxis named in an expanded staff message."""
    lowered, found = _next_courses_read(text.lower()), {}
    if grade := GRADE.search(lowered):
        found["grade"] = ROMAN.get(
            grade.group(1), str(int(grade.group(1))) if grade.group(1).isdigit() else grade.group(1)
        )
    several = several_named(lowered)
    courses = {str(int(c)) for c in COURSE.findall(lowered)} or {
        _ordinal(c) for c in ORDINAL_COURSE.findall(lowered)
    }
    if courses and "course" not in several:
        found["course"] = sorted(courses)[0]
    written = DOSE.findall(lowered) + DOSE_BY_WORD.findall(lowered)
    doses = sorted({f"{float(d):g}" for d in written if float(d) < MAX_DOSE_MG})
    if doses and "dose" not in several:
        found["dose"] = doses[0]
    if names_anaphylaxis(lowered):
        found["reaction"] = "anaphylaxis"
    return found


def names_anaphylaxis(text: str) -> bool:
    """The message names anaphylaxis or its drug, also misspelt by one letter ("anaphalaxis",
    "anaphlaxis"): a misspelling must not cost the emergency steps their place first."""
    if _has_phrase(text, cues().anaphylaxis):
        return True
    stems = [c for c in cues().anaphylaxis if " " not in c and len(c) >= MIN_FUZZY_CUE]
    return any(
        one_edit(word[:size], stem)
        for word in WORD.findall(text.lower())
        for stem in stems
        if len(word) >= len(stem) - 1
        for size in (len(stem) - 1, len(stem), len(stem) + 1)
    )


def grades_named(text: str) -> set[int]:
    """The grades a message names by number ("grade 3", "grade iv")."""
    return {int(ROMAN.get(g, g)) for g in GRADE.findall(text.lower()) if ROMAN.get(g, g).isdigit()}


def several_named(text: str) -> set[str]:
    """The constraint kinds named with two values ("gap between course 1 and 2", "12 vs
    24 mg", "grade 2 vs grade 3"): such a question is about both, so it is constrained to neither."""
    lowered = _next_courses_read(text.lower())
    kinds = set()
    courses = (
        {str(int(c)) for c in COURSE.findall(lowered)}
        | {str(int(b)) for b in COURSE_PAIR.findall(lowered)}
        | {_ordinal(c) for c in ORDINAL_COURSE.findall(lowered)}
    )
    if len(courses) > 1:
        kinds.add("course")
    if len(grades_named(lowered)) > 1:
        kinds.add("grade")  # "what we do for grade 2 vs grade 3"
    if (
        len(
            {f"{float(d):g}" for d in DOSE.findall(lowered) if float(d) < MAX_DOSE_MG}
            | {f"{float(d):g}" for d in DOSE_PAIR.findall(lowered)}
            | {f"{float(d):g}" for d in DOSE_VERSUS.findall(lowered)}
        )
        > 1
    ):
        kinds.add("dose")
    return kinds


def asks_what_to_do(text: str) -> bool:
    return _has_phrase(text, cues().management)


def tells_of_the_chair(text: str) -> bool:
    """The message tells of the infusion at the chair (paused, the bag, a restart)."""
    return _has_phrase(text, cues().at_chair)


def after_infusion(text: str) -> bool:
    """The message places what it describes after the infusion (home, next day); a time earlier
    the same day does not when the message tells of the infusion at the chair ("rash this
    morning, we paused and treated it - restart at what rate?")."""
    text = _phrases(cues().hospital_stay).sub(" ", text.lower())
    if tells_of_the_chair(text):
        text = RELAYED.sub(" ", text)  # "nurse rang: hives 90 mins in" is a call from the unit
    later = tuple(w for w in cues().after_infusion if w not in cues().same_day_times)
    if _has_phrase(text, later):
        return True
    return _has_phrase(text, cues().same_day_times) and not tells_of_the_chair(text)


def asks_about_signs(text: str) -> bool:
    """The message asks about signs in general (a threshold, a definition, how common they
    are), not about a patient who has them."""
    return _has_phrase(text, cues().about_signs)


def asks_grade_definition(text: str) -> bool:
    """The message asks what a grade is by its criteria ("does CTCAE grade 2 include …")."""
    return _has_phrase(text, cues().grade_definition)


def names_allergic_reaction(text: str) -> bool:
    """The message names an allergic reaction or an IV intervention for one."""
    return _has_phrase(text, cues().allergic)


def asks_for_grade(text: str) -> bool:
    """The message asks which grade something is."""
    return _has_phrase(text, cues().grade_question)


def is_statement(text: str, topic_words: bool = True) -> bool:
    """No question mark, no question word and no word of a general question (a threshold,
    a list, a figure): a message that tells what is seen rather than asks. With
    `topic_words` False (emergency signs) only a question mark or question word makes it a
    question: "BP unrecordable, heart rate 150" names a rate but describes a patient."""
    lowered = VITAL_RATE.sub(" ", text.lower())  # "heart rate 105" describes, "rate" asks
    return (
        "?" not in text
        and not set(re.findall(r"[a-z]+", lowered)) & cues().question_words
        and not (topic_words and _has_phrase(lowered, cues().topic_words))
    )


def restart_question(text: str) -> str | None:
    """The restart intent a message asks about: going on a later day (re-challenge) or
    restarting the infusion; None when it asks neither. The asker's own time ("before tomorrow")
    is read past: it is no later day for the patient."""
    lowered = text.lower()
    for time in cues().asker_times:
        lowered = re.sub(rf"(?<![\w']){re.escape(time)}(?![\w'])", " ", lowered)
    if _has_phrase(lowered, cues().grade_definition):
        lowered = TRAILING_AGAIN.sub("", lowered)  # "the ctcae definition of a gr 2 again": the asker's
    # "start again" restarts the bag; the re-challenge's "again" is another day's dose
    if _has_phrase(_phrases(cues().restart).sub(" ", lowered), cues().rechallenge):
        return "ask_rechallenge"
    return "ask_restart_rate" if _has_phrase(lowered, cues().restart) else None


def _dated_before_today(text: str, phrases: tuple[str, ...]) -> bool:
    """The text names one of the earlier times and nothing dating it now ("infusion yesterday and
    now chest pain" tells of today)."""
    return _has_phrase(text, phrases) and not _has_phrase(text, cues().now)


def names_an_earlier_day(text: str) -> bool:
    """The text names a day before today ("yesterday", "last course") and nothing dating it now."""
    return _dated_before_today(text, cues().earlier_day)


def asks_how_often(text: str) -> bool:
    """The message asks how often signs come or whether they tail off ("how common is hives")."""
    return _has_phrase(text, cues().frequency)


def supposes(text: str) -> bool:
    """The message supposes a patient with signs ("if pt is flushy") rather than telling of one."""
    return _has_phrase(text, cues().supposing)


def names_serious(text: str) -> bool:
    """The message names serious reactions ("properly serious rxns", "grade 4", "ICU")."""
    return _has_phrase(text, cues().figure_neighbour_words.get("ask_serious_iars", ()))


def names_protocol_words(text: str) -> bool:
    """The message names something of the protocol ("course 1", "infusion", "12mg")."""
    return _has_phrase(text, cues().protocol_words)


def names_a_previous_course(text: str) -> bool:
    """The text names an earlier course ("last yr") and nothing dating it now."""
    return _dated_before_today(text, cues().previous_course)


def asks_to_go_on(text: str) -> bool:
    """The message asks about a later day's dose in words of its own, not only by naming an
    earlier day ("PI wants to give day 3 today", not "rash yesterday")."""
    told = _phrases((*cues().earlier_day, "again")).sub(" ", text.lower())  # "flushing again like yesterday"
    return restart_question(told) == "ask_rechallenge"


PREMEDICATION, OPTIONAL_PREMEDICATION = "ask_premedication", "ask_optional_premedication"


def names_question_type(intent: str | None, text: str) -> bool:
    """The message holds a word of the question type read (the premedication's, or the cue words
    of `unsure_intent_words`); True for a type with no word list, which is left as read."""
    cue = cues()
    if intent in (PREMEDICATION, OPTIONAL_PREMEDICATION):
        return _has_phrase(text, cue.premedication)
    words = cue.unsure_intents.get(intent or "")
    return words is None or _has_phrase(text, words)


def premedication_question(intent: str | None, confidence: float, threshold: float, text: str) -> str | None:
    """The premedication question a message naming the premedication asks, when the classifier
    is unsure of its own reading: below `threshold`, or a neighbouring question type (the
    schedule, the infusion) below the cue list's override confidence. None when the words or
    the classifier's confidence leave the reading as it is."""
    cue = cues()
    if intent in (PREMEDICATION, OPTIONAL_PREMEDICATION) or not _has_phrase(text, cue.premedication):
        return None
    unsure = not (intent or "").startswith("ask_") or confidence < threshold
    neighbour = intent in cue.premedication_neighbours and confidence < cue.premedication_override
    if not (unsure or neighbour):
        return None
    optional = _has_phrase(text, cue.optional_premedication) and not _has_phrase(text, cue.steroid)
    return OPTIONAL_PREMEDICATION if optional else PREMEDICATION


def figure_question(intent: str | None, text: str) -> bool:
    """The message asks how many patients have IARs ("what % got an IAR in the second course",
    "odds of a reaction in C3") though the classifier read a neighbouring question type (what
    to do, the schedule), or the serious reactions' figure without naming serious ones ("how
    many got a reaction on the higher dose"): the figure is the question."""
    cue = cues()
    own = cue.figure_neighbour_words.get(intent or "")
    neighbour = intent in cue.figure_neighbours or (own is not None and not _has_phrase(text, own))
    return neighbour and _has_phrase(text, cue.figure)


def asks_what_to_do_not_what_it_is(intent: str | None, text: str) -> bool:
    """The classifier read a question describing IARs (their signs, what they are) but the
    message asks what to do, and not about the signs in general."""
    return (
        intent in cues().descriptive_intents
        and asks_what_to_do(text)
        and (not asks_about_signs(text) or _has_phrase(text, cues().first_step))
    )


def names_trial_rule(text: str) -> bool:
    """The message names the published restart/withdraw rule ("the 2 h rule")."""
    return _has_phrase(text, cues().trial_rule)


def intent_by_words(intent: str | None, confidence: float, threshold: float, text: str) -> str | None:
    """The question type the message's words name (knowledge/staff_cues.yml
    `unsure_intent_words`) when the classifier is unsure of its own reading; else None."""
    if (intent or "").startswith("ask_") and confidence >= threshold:
        return None
    return next((i for i, words in cues().unsure_intents.items() if _has_phrase(text, words)), None)


def asks_how_it_is_graded(text: str) -> bool:
    """The message asks how a reaction is classed (its CTCAE term or grade), not what to do."""
    return _has_phrase(text, cues().grading) and not asks_what_to_do(text)


def asks_if_anaphylaxis(text: str) -> bool:
    """The message asks whether the signs it tells are anaphylaxis ("hives only, BP fine - is
    that anaphylaxis?"): they are graded, not answered with anaphylaxis in general."""
    return _has_phrase(text, cues().is_it_anaphylaxis)


def asks_for_quiz(text: str) -> bool:
    return _has_phrase(text, cues().quiz)


def small_talk_without_cue(intent: str | None, text: str) -> bool:
    """The classifier read small talk (a greeting, thanks, quiz progress) but the message holds
    none of that intent's words, or asks whether to restart ("this morning ... restart this
    afternoon?" holds greeting words): it is a question put in words the classifier lacks."""
    words = cues().small_talk.get(intent or "")
    lowered = text.lower().replace("\u2019", "'")
    asks_protocol = "?" in lowered and _has_phrase(lowered, cues().protocol_words)
    if intent == QUIZ_START:
        chat = any(re.search(rf"(?<![\w']){re.escape(t)}(?![\w'])", lowered) for t in _chat_topics())
        # "gr2 IRR on lemtrada - what's the drill" asks what to do, not for a drill; "what does grade 5
        # mean? … the new nurse asked me" asks a protocol question
        return (chat or asks_protocol or asks_what_to_do(lowered)) and not _has_phrase(lowered, cues().quiz)
    for time in cues().small_talk_times:  # "this afternoon" is a time, not a greeting
        lowered = re.sub(rf"(?<![\w']){re.escape(time)}(?![\w'])", " ", lowered)
    if words is None or len(WORD.findall(lowered)) < 2:
        return False
    if intent in cues().small_talk_question_intents and asks_protocol:
        return True  # "hi all, premeds for day 1 again?", "ta. and on day 4?"
    if _has_phrase(lowered, cues().restart) and not _has_phrase(lowered, cues().quiz):
        return True  # "gr 3 this morning - restart this afternoon?" ("stop the quiz, resume tomorrow" is the quiz's)
    return not any(re.search(rf"(?<![\w']){re.escape(w)}(?![\w'])", lowered) for w in words)


def recurs_on_restarting(text: str) -> bool:
    """The message tells (or asks about) a reaction coming back once the infusion is restarted."""
    return restart_question(text) is not None and _has_phrase(text, cues().recurrence)


def asks_if_it_changes(text: str) -> bool:
    """The message asks whether a detail it gives changes the previous answer."""
    return _has_phrase(text, cues().changes_answer)


def asks_a_detail(text: str) -> bool:
    """A follow-up asking a detail of the previous answer ("dose and route?", "and over what
    window is the risk highest?"), which that answer's entries hold."""
    short = len(WORD.findall(text.lower())) <= cues().detail_max_words
    return (is_elliptical(text) or short) and _has_phrase(text, cues().detail)


def compares(text: str) -> bool:
    """A follow-up comparing what it names with the previous answer ("and how does 3 differ")."""
    return _has_phrase(text, cues().compare)


def acknowledges(text: str) -> bool:
    """Only words acknowledging an answer ("ok thanks")."""
    words = WORD.findall(text.lower())
    return bool(words) and all(w in cues().acknowledgements for w in words)


def opens_follow_up(text: str) -> bool:
    """The message opens like a follow-up ("and for course 2?", "what about …")."""
    joined = " ".join(WORD.findall(text.lower()))
    return any(joined.startswith(o + " ") or joined == o for o in cues().openers)


def is_elliptical(text: str) -> bool:
    """A short message, or one opening like a follow-up ("and for course 2?")."""
    words = WORD.findall(text.lower())
    if not words:
        return False
    return opens_follow_up(text) or len(words) <= cues().max_words


def only_constraints(text: str) -> bool:
    """Nothing but a grade, course or dose (and filler words): "and for course 2?", "gr 4?"."""
    stripped = GRADE.sub(" ", COURSE.sub(" ", DOSE.sub(" ", text.lower())))
    words = [w for w in WORD.findall(stripped) if not w.isdigit()]
    return all(w in cues().filler for w in words)


def bare_number(text: str) -> str | None:
    """The one number of a message like "and 24?"."""
    match = BARE_NUMBER.match(text.lower())
    return f"{float(match.group(1)):g}" if match else None


def only_all_courses(text: str) -> bool:
    """Nothing but words naming every course (and filler words): "and for all courses together?"."""
    if not _has_phrase(text, cues().all_courses):
        return False
    lowered = text.lower()
    for phrase in sorted(cues().all_courses, key=len, reverse=True):
        lowered = re.sub(rf"(?<![\w']){re.escape(phrase)}(?![\w'])", " ", lowered)
    return only_constraints(lowered)


def follow_up(
    intent: str | None,
    confident: bool,
    text: str,
    found: Mapping[str, str],
    previous: Mapping[str, Any] | None,
    constrained: set[str],
) -> tuple[str | None, dict[str, str], bool]:
    """(intent, constraints, is a follow-up) for a message after `previous`.

    A constraint-only follow-up ("and grade 3?", "and 24?") keeps the previous topic
    with the new constraint; a short unclear one ("dose?") keeps the previous topic; a
    short clear one ("serious ones?") is its own topic but keeps the previous constraints
    it distinguishes. `constrained` is the set of constraint kinds the chosen intent's
    entries distinguish (for a bare number: a dose, or else the previous kind).
    """
    values = dict(found)
    words = WORD.findall(text.lower())
    # "every day incl. the last day of c2?" after the observation: unsure, naming a constraint
    unsure_constrained = not confident and bool(set(values) & {"course", "dose", "grade"})
    if (
        not previous
        or not previous.get("intent")
        or not (is_elliptical(text) or unsure_constrained)
        or all(w in cues().acknowledgements for w in words)
    ):
        return intent, values, False
    before = dict(previous.get("constraints") or {})
    if _has_phrase(text, cues().all_courses):
        before.pop("course", None)  # "what about overall": every course, not the previous one
    number = (
        bare_number(text)
        if not values
        and not UNIT_NUMBER.search(text.lower())
        and not _has_phrase(text, cues().emergency_numbers)
        else None
    )
    if number is not None:
        kind = (
            "dose"
            if "dose" in before or float(number) >= 10
            else next((k for k in ("course", "grade") if k in before), "course")
        )
        values[kind] = number
    ordinal = ORDINAL_ONE.search(text.lower()) or BARE_ORDINAL.match(text.lower())
    if ordinal and "course" in before and "course" not in values:
        values["course"] = _ordinal(ordinal.group(1))
    if values and only_constraints(text):
        return previous["intent"], {**before, **values}, True
    if "course" in (previous.get("constraints") or {}) and only_all_courses(text):
        # "and for all courses together?" after a course's figure: the same question, every course
        return previous["intent"], {**before, **values}, True
    if not confident and (len(words) <= cues().max_words or unsure_constrained):
        return previous["intent"], {**before, **values}, True
    carried = {k: v for k, v in before.items() if k in constrained and k not in values}
    return intent, {**carried, **values}, bool(carried)
