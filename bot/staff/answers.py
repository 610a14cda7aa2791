"""Answer a staff protocol question from the knowledge base, with its source line.

Plain functions, free of Rasa, so the same logic serves every channel and can
be reviewed on its own. All clinical wording comes from the knowledge base.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Mapping

from bot.core.roles import AFTER_INFUSION, RELAYED
from bot.kb.queries import KbEntry, KnowledgeBase, SearchHit
from bot.staff import ask, reaction, subjects
from bot.staff.entities import normalize_entities, normalize_grade
from bot.staff.ranker import Ranks
from bot.staff.scope import drug_dose_asked, other_drug_mentioned
from bot.staff.shorthand import expand

# NLU confidence below which a staff question is treated as unclear.
CONFIDENCE_THRESHOLD = 0.5
MAX_OFFERS = 3
# A question type read this surely, whose answer holds the message's words, is the message's
# own question even when short and in words most passages share ("why do IARs happen").
SURE = 0.8
# words quoted from elsewhere: 'mild to moderate', "mild to moderate", ‘…’, “…”
QUOTED = re.compile(r"(?<![\w])['‘\"“][^'‘’\"“”\n]{2,60}['’\"”](?![\w])")
SEARCH_DEPTH = 6
# A passage whose weighted coverage of the question is this many times the next one's is
# clearly the closest: it is given as it is rather than offered among others.
DOMINANCE = 1.5
# A passage holding this share of the question's weighted words and its rarest word is
# given instead of the intent's entry when that entry holds at most OVERRIDE_GIVEN of them,
# not the rarest, and lacks at least CLOSEST_WORDS of the passage's matched words.
OVERRIDE_COVERAGE = 0.6
OVERRIDE_GIVEN = 0.25
# Below the relevance bar, entries holding this share of the question's weighted words are
# still offered (issue 11, item 4) as the closest ones, rather than the whole topic list.
CLOSEST_COVERAGE = 0.2
# ... and at least this many of its informative words (one shared word is chance).
CLOSEST_WORDS = 2
# Intents under which a described sign is read as a reaction happening now; under the
# unclear ones, only an emergency sign or a description of a patient now is.
SYMPTOM_INTENTS = {"ask_manage_reaction", "report_symptoms", "inform"}
UNCLEAR_INTENTS = {"nlu_fallback", "out_of_scope", "quiz_answer", "skip_question", "affirm", "deny"}
MANAGE, GRADING, DELAYED = "ask_manage_reaction", "ask_grading", "ask_delayed_reactions"
RECHALLENGE = "ask_rechallenge"
INCIDENCE = "ask_incidence"
SERIOUS = "ask_serious_iars"
# Questions whose entries have no grade: naming a grade makes them a grading question.
GRADE_DEFINITION_INTENTS = {"ask_what_is_iar"}
# Symptom roles (ConText, bot.patient.nlp) of a sign a staff member tells of the patient.
TOLD_OF_THE_PATIENT = ("present", "family")
RESTART_RATE = "ask_restart_rate"
RESTART_INTENTS = {RESTART_RATE, "ask_rechallenge"}
# Questions for a figure: naming anaphylaxis in one asks how common it is, not what to do.
FIGURE_INTENTS = {"ask_incidence", "ask_serious_iars", "ask_iar_trend"}
ANAPHYLAXIS_ENTRY = "manage-anaphylaxis"
# CTCAE v6.0 "Allergic reaction" grades (knowledge/grading.yml), given with a grading answer
# that names an allergic reaction or an IV intervention.
ALLERGIC_ENTRY = "grading-allergic-reaction-v6"
# Entries that restart a grade 1-2 reaction at a reduced rate: with a previous rate in mL/h
# given, the reply also says the rate worked out (knowledge/reaction_grading.yml).
REDUCED_RATE_ENTRIES = ("manage-restart-grade-1-2", "manage-grade-1-2")
TITLE_WORD = re.compile(r"[a-z0-9+]+")
# the clauses of a message, each read for the day it tells of
CLAUSE = re.compile(r"[.;,!?\n]+|\s[-–]\s")
BRACKETED = re.compile(r"\([^)]*\)")
# Outcomes of airway, breathing or circulation signs (knowledge/reaction_grading.yml).
AIRWAY_OUTCOMES = reaction.ANAPHYLAXIS_OUTCOMES
# Search outcomes that place no passage: the entry ranker (bot.staff.ranker) may place one.
UNPLACED = ("unknown", "closest", "offer")


@dataclass(frozen=True)
class Reply:
    """What the bot should say.

    kind: "answer" (selected by intent), "reaction" (a reaction graded from its
    description), "search" (the one relevant passage), "offer" (several close
    entries to choose from, as (id, title) pairs), "not_covered" (a grade, course or
    dose the entries do not cover), "closest" (nothing relevant enough, the nearest
    entries as (id, title) pairs), "outside" (a subject outside the protocol: `asked`),
    "quiz" (a quiz asked for in other words), "no_quiz" (a quiz choice with no question open),
    "other_drug" (declined: names another drug) or "unknown" (nothing relevant).
    `context` is the topic and constraints a follow-up question reuses.
    """

    kind: str
    text: str = ""
    entry_ids: tuple[str, ...] = ()
    drug: str | None = None
    topics: tuple[str, ...] = field(default=())
    offers: tuple[tuple[str, str], ...] = ()
    asked: str = ""
    covered: str = ""
    context: dict[str, Any] | None = None


def format_entries(entries: Iterable[KbEntry]) -> str:
    """Answer texts, each followed by its source line."""
    return "\n\n".join(f"{e.answer}\n{e.source_line}" for e in entries)


def reaction_text(
    kb: KnowledgeBase, assessment: reaction.Assessment, grading: reaction.GradingRules | None = None
) -> str:
    """The grade a description supports, what it rests on and the management for it.

    Emergencies (airway, breathing, circulation, grade 4, possible stroke) lead with
    the management entry of knowledge/ (stop the infusion, emergency team, first-line drug).
    """
    grading = grading or reaction.rules()
    outcome = grading.outcomes[assessment.outcome]
    seen = "; ".join(dict.fromkeys(f.label for f in assessment.findings))
    notes = [f for f in assessment.findings if f.note]
    cites = dict.fromkeys([*outcome["cites"], *(c for f in notes for c in f.note_cites)])
    tags = "".join(kb.source_tags.get(c, "") for c in cites)
    lines = [f"{outcome['grade']}: {outcome['meaning']}", f"What you describe: {seen}."]
    lines += list(dict.fromkeys(str(f.note) for f in notes))  # what to watch for with a sign
    if outcome.get("decide"):
        lines.append(outcome["decide"])
    grading_text = " ".join(lines) + f"\nSource: {outcome['source']} {tags}"
    entries = format_entries(kb.entries[i] for i in outcome["entries"])
    parts = [entries, grading_text] if outcome.get("emergency") else [grading_text, entries]
    return "\n\n".join(parts)


def _describes_reaction_now(
    intent: str | None, text: str, assessment: reaction.Assessment, confident: bool = True
) -> bool:
    """A described sign is a reaction at the chair when the message is a symptom report,
    gives a reading, speaks of a patient now, asks its grade or what to do ("temp spiking,
    what do we give"), says it comes back on restarting (a recurrence: grade 3) or only tells
    what is seen ("hives + itchy, obs fine"); an unclear
    message also when the sign is an emergency. A
    question about signs ("what BP counts as hypotension") is not one."""
    vitals_given = reaction.vital_findings(text, reaction.rules())[1]
    if (
        intent in SYMPTOM_INTENTS
        or vitals_given
        or reaction.describes_reaction(text)
        or ask.asks_for_grade(text)
        or (ask.asks_what_to_do(text) and not ask.asks_about_signs(text))
        or ask.recurs_on_restarting(text)
    ):
        return True
    if ask.is_statement(text, topic_words=not assessment.emergency):
        return True
    if assessment.outcome == "4" and not ask.asks_about_signs(text):
        # life-threatening signs told ("grade 4 reaction?? BP unrecordable, unresponsive"), whatever
        # the question type read: the patient before the definition
        return True
    if assessment.emergency and RELAYED.search(text):
        # a warning sign relayed from a call ("daughter rang: face drooped, infusion was yesterday")
        return True
    return (intent in UNCLEAR_INTENTS or not confident) and assessment.emergency


def _after_infusion(kb: KnowledgeBase, assessment: reaction.Assessment, text: str) -> Reply:
    """Signs after the infusion that are not an emergency: the delayed-reaction entries, after
    those of a subject the message asks about with its case as an example ("can IARs start
    after the patient's gone home? we had hives on day 2": the onset first)."""
    named = [i for i in subjects.named_entries(text) if i in kb.entries]
    ids = list(dict.fromkeys([*named, *reaction.after_infusion_entries(assessment)]))
    return Reply(
        "answer",
        format_entries(kb.entries[i] for i in ids),
        tuple(ids),
        context={"intent": DELAYED, "constraints": {}},
    )


def _graded(assessment: reaction.Assessment) -> dict[str, str]:
    """The grade (the lower of a range; 3 for an emergency sign) and anaphylaxis an assessment
    supports, as the constraints of a question on that reaction."""
    grade = assessment.outcome.split("-")[0] if assessment.outcome[0].isdigit() else "3"
    return {
        "grade": grade,
        **({"reaction": "anaphylaxis"} if assessment.outcome in reaction.ANAPHYLAXIS_OUTCOMES else {}),
    }


def _reaction(kb: KnowledgeBase, assessment: reaction.Assessment, description: str) -> Reply:
    """The graded reaction; its description is kept so that "it settled" can regrade it."""
    ids = reaction.rules().outcomes[assessment.outcome]["entries"]
    return Reply(
        "reaction",
        reaction_text(kb, assessment),
        tuple(ids),
        context={"intent": MANAGE, "constraints": _graded(assessment), "description": description},
    )


def _told_only_in(text: str, grade: str | None, earlier: Callable[[str], bool]) -> bool:
    """Every sign is told in a clause that `earlier` dates before today: none in any other clause
    ("rash yesterday, today wheezy, sats 89" tells one now)."""
    # a list in brackets stays in its clause ("last yr she had the full works (rash, temps)")
    clauses = CLAUSE.split(BRACKETED.sub(lambda m: m.group(0).replace(",", " "), text))
    others = [c for c in clauses if not earlier(c)]
    return len(others) < len(clauses) and reaction.assess(". ".join(others), grade) is None


def answer_question(
    kb: KnowledgeBase,
    intent: str | None,
    entities: Iterable[Mapping[str, Any]],
    text: str,
    confidence: float = 1.0,
    previous: Mapping[str, Any] | None = None,
    staff: bool = True,
    ranker: Ranks | None = None,
) -> Reply:
    """Pick the reply for a staff question (`_answer`); its context keeps the entries given, for
    a follow-up that asks more of the same answer ("in F?"). `ranker` places a staff question
    the rules cannot (StaffService passes the built one; None: the rules alone)."""
    reply = _answer(kb, intent, entities, text, confidence, previous, staff, ranker)
    if staff:
        reply = _with_restart_rate(kb, reply, expand(text))
    if reply.context is None or not reply.entry_ids:
        return reply
    return replace(reply, context={**reply.context, "entries": list(reply.entry_ids)})


def _answer(
    kb: KnowledgeBase,
    intent: str | None,
    entities: Iterable[Mapping[str, Any]],
    text: str,
    confidence: float = 1.0,
    previous: Mapping[str, Any] | None = None,
    staff: bool = True,
    ranker: Ranks | None = None,
) -> Reply:
    """Pick the reply for a staff question: an entry by id, a reaction graded from its
    description, the intent's entry for the constraints asked (or the previous question's,
    for a follow-up), "not covered", offers of close entries, or an honest unknown.

    For anyone not known to be staff, only the intent's entry or the one closest passage
    (the patient side decides what patients see): no grading, follow-ups or offers.
    """
    drug = other_drug_mentioned(
        text,
        kb.vocabulary("this_drug"),
        kb.vocabulary("other_drugs"),
        kb.vocabulary("other_drug_suffixes"),
        kb.vocabulary("comparison_words"),
    )
    if drug:
        return Reply(kind="other_drug", drug=drug)
    entities = list(entities)
    chosen = next((e.get("value") for e in entities if e.get("entity") == "kb_entry"), None)
    if chosen in kb.entries:
        entry = kb.entries[chosen]
        return Reply(
            "answer",
            format_entries([entry]),
            (entry.id,),
            context={"intent": entry.intent, "constraints": {}},
        )
    expanded = expand(text)
    several = ask.several_named(expanded) | _several_grades(kb, entities, text)
    found = {
        k: v
        for k, v in {
            **normalize_entities(entities, kb.vocabulary("severity_words")),
            **ask.constraints(expanded),
        }.items()
        if k not in several
    }
    if not staff:
        return (
            _answer_for(kb, intent, found)
            if intent and intent.startswith("ask_")
            else _search(kb, expanded, found, offer=False)
        )
    dosed = drug_dose_asked(
        text,
        kb.vocabulary("this_drug"),
        {**kb.vocabulary("other_drugs"), **kb.vocabulary("undosed_drugs")},
        kb.vocabulary("other_drug_suffixes"),
        kb.vocabulary("dose_words"),
    )
    if dosed:
        return Reply("outside", asked=f"the dose of {dosed}")
    if ask.asks_for_quiz(expanded):
        return Reply("quiz")
    # the symptom reader's signs told of the patient (a staff member's "her face" reads as
    # someone else's), not denied, past or supposed
    told = [
        str(e.get("value"))
        for e in entities
        if e.get("entity") == "symptom" and e.get("role") in TOLD_OF_THE_PATIENT
    ]
    # a grade named in asking which it is ("does needing fluids make it grade 3?") is not stated
    grade_told = None if ask.asks_for_grade(expanded) else found.get("grade")
    assessment = reaction.assess(expanded, grade_told, symptoms=told)
    if assessment and not assessment.emergency:
        if ask.asks_if_anaphylaxis(expanded):
            # "hives only, BP fine - is that anaphylaxis?": the grade of the signs told answers it
            return _with_allergic_grades(kb, _reaction(kb, assessment, expanded), expanded)
        if found.get("reaction") == "anaphylaxis":
            assessment = None  # "anaphylaxis vs just a rash": a question on anaphylaxis, not a rash to grade
    if (
        not assessment
        and not ask.asks_how_often(expanded)
        and not ask.names_trial_rule(expanded)
        and (
            ask.asks_for_grade(expanded)
            or (
                "grade" in found
                and reaction.says_it_went_on(expanded)
                and reaction.describes_reaction(expanded)
            )
            or ask.recurs_on_restarting(expanded)
        )
    ):
        # "needed ICU - grade?", "gr 2, settled, now recurred", "what if it comes back after we
        # restart": the reaction told by its course
        # anaphylaxis told is grade 3-4 at least ("had anaphylaxis, needed IM treatment + fluids -
        # what CTCAE grade?" is not a grade 2 for being treated)
        stated = (
            "3-4" if found.get("reaction") == "anaphylaxis" and "grade" not in found else found.get("grade")
        )
        assessment = reaction.assess_unnamed(expanded, stated)
    # a call from the unit ("nurse rang: hives 90 mins in") is no call from home, though a symptom
    # report with a call in it was read as delayed (bot.core.roles.staff_intent)
    at_the_chair = ask.tells_of_the_chair(expanded)
    called_home = bool(AFTER_INFUSION.search(RELAYED.sub(" ", text) if at_the_chair else text))
    if intent == DELAYED and at_the_chair and not called_home and not ask.after_infusion(expanded):
        intent = MANAGE
    after = (
        called_home
        or ask.after_infusion(expanded)
        # "pt rang: rash day after infusion" then "what if its hives everywhere": still at home
        or ((previous or {}).get("intent") == DELAYED and not at_the_chair)
    )
    readings_told = reaction.vital_findings(expanded, reaction.rules())[1]
    delayed = reaction.delayed_event_entries(
        [str(e.get("value")) for e in entities if e.get("entity") == "symptom"]
    )
    if delayed and (after or intent == DELAYED) and not (assessment and assessment.emergency):
        # "bruises and bleeding gums weeks later": the delayed event those signs point to
        return Reply(
            "answer",
            format_entries(kb.entries[i] for i in delayed),
            tuple(delayed),
            context={"intent": DELAYED, "constraints": {}},
        )
    if (
        assessment
        and not assessment.emergency
        and not ask.asks_for_grade(expanded)
        and (after or intent == DELAYED)
        and (
            intent in SYMPTOM_INTENTS | UNCLEAR_INTENTS | {DELAYED}
            or reaction.describes_reaction(expanded)
            # "temp 38.2 at home on day 4 post infusion, otherwise ok": a patient's reading
            or readings_told
        )
    ):
        return _after_infusion(kb, assessment, expanded)
    if (
        assessment
        and not assessment.emergency
        and not ask.asks_for_grade(expanded)
        and (ask.asks_about_signs(expanded) or subjects.asks_if_expected(expanded))
    ):
        # "fever threshold for pt to call site", "can't sleep after the steroids, normal?": a
        # question on the subject named, not a reaction to grade ("had the steroid this
        # morning, headache now - grade-wise what is this?" asks the grade of what it tells)
        on_subject = _on_subject(kb, expanded, Reply("unknown"))
        if on_subject.kind == "answer":
            return _remembered(on_subject, expanded)
        if (previous or {}).get("entries") and ask.opens_follow_up(expanded):
            # "common IRR sx?" then "and how often is itching?": the sign's figure in that answer
            return _read_with_previous(kb, previous or {}, expanded)
    if (
        assessment
        and ask.asks_to_go_on(expanded)
        and _told_only_in(expanded, found.get("grade"), ask.names_an_earlier_day)
    ):
        # "gr 3 bronchospasm yesterday on day 2. PI wants to give day 3 today": a re-challenge
        # after that reaction's grade
        found, assessment = {"grade": _graded(assessment)["grade"], **found}, None
    elif (
        assessment
        and not assessment.emergency
        and _told_only_in(expanded, found.get("grade"), ask.names_a_previous_course)
    ):
        assessment = None  # "last yr she had rash, temps - whats the course 2 rate?": her history
    if (
        assessment
        and not assessment.emergency
        and (ask.asks_how_often(expanded) or (ask.supposes(expanded) and subjects.named_entries(expanded)))
        and not readings_told
        and not at_the_chair
    ):
        assessment = None  # "how common is hives/itching specifically?": a figure, not a patient
        if intent in SYMPTOM_INTENTS:
            # read as a report for the signs it names: how often they come, or how often a serious one
            intent = SERIOUS if ask.names_serious(expanded) else "ask_common_symptoms"
    if assessment and _describes_reaction_now(
        intent, expanded, assessment, confidence >= CONFIDENCE_THRESHOLD
    ):
        return _with_allergic_grades(kb, _reaction(kb, assessment, expanded), expanded)
    earlier = (previous or {}).get("description")
    if (
        earlier
        and not assessment
        and reaction.adds_to_the_case(expanded)
        and not ask.restart_question(expanded)
    ):
        # "it settled after piriton", "sats 98, BP stable. paused. what next": the same reaction,
        # regraded with how it went, what was done and its readings
        regraded = reaction.assess(f"{earlier}. {expanded}", found.get("grade"))
        if regraded:
            return _reaction(kb, regraded, f"{earlier}. {expanded}")
    restart = ask.restart_question(expanded)
    # read as no question after a reaction was told ("gr 3, stopped" then "ok and can we carry on
    # tomorrow?"): the restart words name the question
    after_reaction = bool(previous) and bool(
        {"grade", "reaction"} & set((previous or {}).get("constraints") or {})
        or (previous or {}).get("description")
    )
    if (
        restart
        # "gr3 came down to gr1 - restart?" names two grades, constraining to neither
        and (
            {"grade", "reaction"} & set(found)
            or ("grade" in several and not ask.compares(expanded))
            or assessment
            or after_reaction
            # "symptom is gone now after we stop. I can start again same speed?"
            or (restart == RESTART_RATE and reaction.says_how_it_responded(expanded))
        )
        and intent != restart
    ):
        # "gr 3 this morning, restart this afternoon?" is no definition; "later the same day"
        # is a restart, "yesterday ... today" a re-challenge, whichever the classifier read; a
        # reaction told by its signs is one too ("rash, settled with cetirizine - restart rate?"),
        # and so is one told before ("wheezy, sats 90" then "neb given, sats 95 now - can we
        # restart later today?"): restarting after that reaction's grade
        intent = restart
        if "grade" in several:
            # restarting after a reaction told by the grades it went through: its worst
            found = {**found, "grade": str(max(ask.grades_named(expanded)))}
        if after_reaction and not assessment and "grade" not in found:
            earlier_grade: Mapping[str, str] = (previous or {}).get("constraints") or {}
            found = {**{k: v for k, v in earlier_grade.items() if k in ("grade", "reaction")}, **found}
    if intent == RESTART_RATE and found.get("grade") in ("1", "2") and ask.asks_what_to_do(expanded):
        # "grade 2 - step by step pls, and what rate do we go back in at?": its management, which
        # holds the restart rate
        intent = MANAGE
    if (
        found.get("reaction") == "anaphylaxis"
        and ask.asks_what_to_do(expanded)
        and intent not in RESTART_INTENTS
    ):
        intent = MANAGE  # "anaphylaxis - what's the algorithm" asks its management, not its rate
    premedication = ask.premedication_question(intent, confidence, CONFIDENCE_THRESHOLD, expanded)
    if premedication and not restart and "grade" not in found and "reaction" not in found:
        intent = premedication  # "pre meds on day 3 of round 2?": the words name the question
    if (
        not assessment
        and intent not in RESTART_INTENTS
        and "grade" not in found
        and ask.figure_question(intent, expanded)
    ):
        intent = INCIDENCE  # "what % got an IAR in the second course": a figure, whatever was read
    # what to do, read unsurely from a message that describes no reaction and asks nothing to do
    # ("can it go longer if needed"): the classifier found no question type of its own
    unsure = intent == MANAGE and not assessment and confidence < SURE and not ask.asks_what_to_do(expanded)
    named = ask.intent_by_words(intent, 0.0 if unsure else confidence, CONFIDENCE_THRESHOLD, expanded)
    if named and not restart and not premedication and not found:
        intent = named  # "iv push ok?": the words name the question the classifier could not
    if ask.names_trial_rule(expanded) and intent not in RESTART_INTENTS:
        intent = restart or RECHALLENGE  # "where's the 2 h rule from?": the rule, with its origin
    if ask.asks_what_to_do_not_what_it_is(intent, expanded):
        intent = MANAGE  # "first thing to do at onset of any IAR sx" asks what to do, not the signs
    if (intent in GRADE_DEFINITION_INTENTS or (intent == MANAGE and not assessment)) and (
        ask.asks_how_it_is_graded(expanded)
    ):
        intent = GRADING  # "IRR vs allergic reaction term", "meds needed up to 24 h - which grade"
    if intent in GRADE_DEFINITION_INTENTS and "grade" in found:
        intent = GRADING
    if (
        (intent in UNCLEAR_INTENTS or confidence < CONFIDENCE_THRESHOLD)
        and "grade" in found
        and ask.asks_grade_definition(expanded)
        and not ask.asks_what_to_do(expanded)
    ):
        intent = GRADING  # "def of a gr 4?" read as nothing: the grade's definition
    if (
        intent == MANAGE
        and "grade" in found
        and ask.asks_grade_definition(expanded)
        and not ask.asks_what_to_do(expanded)
    ):
        intent = GRADING  # "what does CTCAE grade 2 include" asks the definition, not the management
    if (
        intent in (GRADING, "nlu_fallback")
        and ("grade" in found or "grade" in several)
        and (
            ask.asks_what_to_do(expanded)
            # "difference between gr3 and gr4? keep getting them mixed up" compares the grades
            or (reaction.describes_reaction(expanded) and not ask.compares(expanded))
        )
    ):
        intent = MANAGE
    if (
        intent
        and intent.startswith("ask_")
        and intent not in RESTART_INTENTS
        and (confidence < SURE or not ask.names_question_type(intent, expanded))
        and "grade" in found
        and not kb.constraint_values(intent, "grade")
        and ask.asks_what_to_do(expanded)
    ):
        # "once the bag is off for a gr3, what supportive tx": what to do for a grade, read by an
        # unsure classifier as a question type whose entries know no grade (the infusion), or
        # by a sure one as a type none of whose words it holds ("severe IAR steps" as premedication)
        intent = MANAGE
    confident = bool(intent and intent.startswith("ask_")) and confidence >= CONFIDENCE_THRESHOLD
    constrained = {
        k for k in ("grade", "course", "dose", "reaction") if intent and kb.constraint_values(intent, k)
    }
    intent, found, followed = ask.follow_up(intent, confident, expanded, found, previous, constrained)
    definitions = GRADE_DEFINITION_INTENTS | {GRADING}
    if (
        previous
        and previous.get("intent") in definitions
        and (intent in definitions or not (intent or "").startswith("ask_"))
        and (followed or (ask.is_elliptical(expanded) and not found))
        and ask.asks_what_to_do(expanded)
        and not assessment
    ):
        # "gr 2 def?" then "mgmt?" or "and what do we do for it": what to do for that grade
        intent, found, followed = MANAGE, {**dict(previous.get("constraints") or {}), **found}, True
    if (
        followed
        and previous
        and found == dict(previous.get("constraints") or {})
        and not assessment
        and previous.get("entries")
        and intent == previous.get("intent")
        and not subjects.named_entries(expanded)
    ):
        # "how common is it?" after the ITP entry: the same topic and constraints ("and if it's
        # 24?" or "overall" change them), and the entries the previous answer gave (chosen for
        # their subject) hold what is asked, not the topic's overview
        return _read_with_previous(kb, previous, expanded)
    if (
        not followed
        and not found
        and not assessment
        and previous
        and previous.get("entries")
        and not ask.acknowledges(expanded)
        and (
            ask.asks_if_it_changes(expanded)
            or ask.asks_a_detail(expanded)
            # "no chest pain, not short of breath, hasn't fainted": the case told before, as it was
            or (ask.is_statement(expanded) and reaction.denies_signs(expanded))
            or not (kb.names_a_subject(expanded) or _surely_its_own(kb, intent, confidence, expanded))
        )
    ):
        return _read_with_previous(kb, previous, expanded)
    severe = intent in RESTART_INTENTS and found.get("reaction") == "anaphylaxis" and "grade" not in found
    if severe:  # restarting after anaphylaxis is restarting after a grade 3-4 reaction
        found = {**found, "grade": kb.vocabulary("severity_words")["anaphylaxis"]}
    # airway, breathing or circulation signs in a question that is not about the signs
    # themselves ("lips swelling, can we give piriton?"): the answer leads with anaphylaxis
    airway = bool(
        assessment
        and assessment.outcome in AIRWAY_OUTCOMES
        and intent != GRADING
        and not ask.asks_about_signs(expanded)
    )
    uncovered = _uncovered(kb, found)
    if uncovered:
        return uncovered
    outside = _outside_topic(kb, expanded)
    if outside:
        return Reply("outside", asked=outside)
    if _outside_topic(kb, expanded, "chat_topics") and not ask.names_protocol_words(expanded):
        # "who won the match": no entry to guess ("the rota's a nightmare - how long does each
        # infusion take?" asks the protocol)
        return Reply("unknown", topics=tuple(label for _, label in kb.topics))
    if intent and intent.startswith("ask_"):
        reply = _answer_for(kb, intent, found)
        reply = _covered_elsewhere(kb, expanded, found, reply) if reply.kind == "not_covered" else reply
        cued = severe or (restart is not None and intent == restart)  # the words chose the question
        reply = (
            reply
            if followed or cued or _written_for(kb, reply, found)
            else _closer_passage(kb, expanded, found, reply)
        )
        # a follow-up naming a subject of its own ("anti-GBM?" after the ITP figure) gets its entry
        named_here = bool(subjects.named_entries(expanded))
        reply = reply if cued or (followed and not named_here) else _on_subject(kb, expanded, reply)
        reply = _subject_with_previous(kb, previous, expanded, reply) if followed and not cued else reply
        reply = _with_allergic_grades(kb, reply, expanded) if intent == GRADING else reply
        reply = _with_previous(kb, previous, reply) if followed and ask.compares(expanded) else reply
        return _remembered(_anaphylaxis_first(kb, intent, found, reply, airway), expanded)
    reply = _on_subject(kb, expanded, _search(kb, expanded, found))
    if airway or found.get("reaction") == "anaphylaxis":
        return _remembered(
            _anaphylaxis_first(kb, MANAGE, {"reaction": "anaphylaxis"}, reply, airway), expanded
        )
    earlier_question = (previous or {}).get("question")
    if reply.kind in ("unknown", "closest") and earlier_question and ask.is_elliptical(expanded):
        # "for how long?" after "herpes prophylaxis - when to start": the two read together
        together = f"{earlier_question} {expanded}"
        again = _ranked(kb, ranker, together, found, _search(kb, together, found))
        if again.kind in ("search", "offer"):
            return _remembered(again, together)
    return _remembered(_ranked(kb, ranker, expanded, found, reply), expanded)


def _ranked(
    kb: KnowledgeBase, ranker: Ranks | None, text: str, found: Mapping[str, str], reply: Reply
) -> Reply:
    """A question the search cannot place (unknown, closest, offer) gets the entry the learned
    ranker puts first, when it is sure enough (knowledge/search.yml), the entry holds one of
    the question's words (a pick on spelling alone is a guess: "bmi for 70 kg 1.8 m"), is one
    of the entries offered if any were, and is not written for another grade, course or dose
    than the one asked; otherwise the search's reply."""
    if ranker is None or reply.kind not in UNPLACED:
        return reply
    best = ranker.top(text)
    entry = kb.entries.get(best.entry_id)
    if entry is None or best.probability < float(kb.vocabulary("ranker")["min_probability"]):
        return reply
    if not all(found[k] in v for k, v in entry.when.items() if k in found):
        return reply
    shared = kb.coverage(text, entry.id)
    if shared is None or not shared.matched:
        return reply
    if reply.kind == "offer" and entry.id not in {i for i, _ in reply.offers}:
        return reply  # several entries were relevant: the ranker chooses among them, not beyond
    return Reply(
        "search",
        format_entries([entry]),
        (entry.id,),
        context={"intent": entry.intent, "constraints": {}} if entry.intent else None,
    )


def _subject_with_previous(
    kb: KnowledgeBase, previous: Mapping[str, Any] | None, text: str, reply: Reply
) -> Reply:
    """A follow-up that completes a subject with the previous question ("premeds?" then "and
    for course 2?": the premedication of course 2) gets that subject's entries; a subject the
    previous question named alone, or one this message names alone, decides nothing here."""
    earlier = (previous or {}).get("question")
    if not earlier or subjects.named_entries(text):
        return reply
    together = f"{earlier} {text}"
    if set(subjects.named_entries(together)) <= set(subjects.named_entries(earlier)):
        return reply
    return _on_subject(kb, together, reply)


def _surely_its_own(kb: KnowledgeBase, intent: str | None, confidence: float, text: str) -> bool:
    """The classifier is sure of a question type whose answer holds the message's words: "why do
    IARs happen" is its own question even after another one; "in F?" (no word) is not."""
    if not (intent and intent.startswith("ask_") and confidence >= SURE):
        return False
    hits = (kb.coverage(text, e.id) for e in kb.answers_for(intent, {}))
    return any(hit is not None and hit.matched for hit in hits)


def _read_with_previous(kb: KnowledgeBase, previous: Mapping[str, Any], text: str) -> Reply:
    """A short follow-up naming no subject of its own ("in F?", "how long before the bag?",
    "how many days after, mostly?") asks about what the previous answer was about: that answer's
    entries again, which hold the detail asked for (another unit, the timing), unless with the
    previous question it names a subject ("obs during?" then "and after it ends?")."""
    ids = tuple(i for i in previous["entries"] if i in kb.entries)
    if not ids:
        return Reply("unknown", topics=tuple(label for _, label in kb.topics))
    context = {k: v for k, v in previous.items() if k != "question"}
    again = Reply("answer", format_entries(kb.entries[i] for i in ids), ids, context=context)
    if subjects.named_entries(text):  # "and what time window counts as an IAR?": its own subject
        return _on_subject(kb, text, again)
    return _subject_with_previous(kb, previous, text, again)


def _with_previous(kb: KnowledgeBase, previous: Mapping[str, Any] | None, reply: Reply) -> Reply:
    """The previous answer's entries before this one's, for a follow-up comparing the two ("and
    how is it different from 3" after grade 4): a difference needs both sides."""
    before = [
        i for i in (previous or {}).get("entries") or () if i in kb.entries and i not in reply.entry_ids
    ]
    if reply.kind != "answer" or not before:
        return reply
    ids = (*before, *reply.entry_ids)
    return replace(reply, text=format_entries(kb.entries[i] for i in ids), entry_ids=ids)


def _several_grades(kb: KnowledgeBase, entities: Iterable[Mapping[str, Any]], text: str = "") -> set[str]:
    """{"grade"} when two grades are named ("mild vs severe", "gr 2 or gr 3"): the question
    is about both, so it is constrained to neither. Grades inside quotation marks beside one
    outside are quoted from elsewhere ("for a grade 1, the protocol says interrupt for 'mild to
    moderate'"), not asked about; quoted alone ("'mild to moderate' maps to which grades?")
    they are what is asked."""
    severity = kb.vocabulary("severity_words")
    quoted = [m.span() for m in QUOTED.finditer(text)]
    named = [e for e in entities if e.get("entity") == "grade"]
    outside = [e for e in named if not any(start <= int(e.get("start", -1)) < end for start, end in quoted)]
    grades = {normalize_grade(str(e.get("value", "")), severity) for e in outside or named}
    return {"grade"} if len(grades - {None}) > 1 else set()


def _anaphylaxis_first(
    kb: KnowledgeBase, intent: str, found: Mapping[str, str], reply: Reply, airway: bool = False
) -> Reply:
    """A question naming anaphylaxis ("suspected anaphylaxis - restart once settled?", "sats
    target in anaphylaxis"), unless it asks for a figure, or any question naming airway,
    breathing or circulation signs, leads with the anaphylaxis management entry: its
    emergency steps come before anything else (alone when the reply would only offer entries)."""
    named = found.get("reaction") == "anaphylaxis" and intent not in FIGURE_INTENTS
    if not (named or airway) or ANAPHYLAXIS_ENTRY in reply.entry_ids:
        return reply
    first = kb.entries[ANAPHYLAXIS_ENTRY]
    if reply.kind not in ("answer", "search"):
        return Reply(
            "answer",
            format_entries([first]),
            (first.id,),
            context={"intent": MANAGE, "constraints": {"reaction": "anaphylaxis"}},
        )
    return replace(
        reply,
        kind="answer",
        text=f"{format_entries([first])}\n\n{reply.text}",
        entry_ids=(first.id, *reply.entry_ids),
    )


def _with_allergic_grades(kb: KnowledgeBase, reply: Reply, text: str) -> Reply:
    """A grade asked or given for a reaction named allergic, or treated with an IV drug, also
    gets the CTCAE Allergic reaction grades: IV intervention is its grade 3, while the Infusion
    related reaction term grades a prompt response 2."""
    if (
        reply.kind not in ("answer", "reaction")
        or not ask.names_allergic_reaction(text)
        or ALLERGIC_ENTRY in reply.entry_ids
        or ALLERGIC_ENTRY not in kb.entries
    ):
        return reply
    entry = kb.entries[ALLERGIC_ENTRY]
    return replace(
        reply, text=f"{reply.text}\n\n{format_entries([entry])}", entry_ids=(*reply.entry_ids, entry.id)
    )


def _with_restart_rate(kb: KnowledgeBase, reply: Reply, text: str) -> Reply:
    """A reply restarting a grade 1-2 reaction at the reduced rate, to a message giving the
    previous rate ("was at 50 mL/h, restart at what rate?"), also says that rate worked out."""
    if not set(REDUCED_RATE_ENTRIES) & set(reply.entry_ids):
        return reply
    rate = reaction.restart_rate(text)
    if rate is None:
        return reply
    tags = "".join(kb.source_tags.get(c, "") for c in rate.cites)
    return replace(reply, text=f"{rate.text}\nSource: {rate.source} {tags}\n\n{reply.text}")


def _remembered(reply: Reply, question: str) -> Reply:
    """The reply with the question kept in its context, for a follow-up that only makes
    sense read with it."""
    context = {"intent": None, "constraints": {}, **(reply.context or {}), "question": question}
    return replace(reply, context=context)


def _written_for(kb: KnowledgeBase, reply: Reply, found: Mapping[str, str]) -> bool:
    """The reply's entry is written for every grade, course and dose asked ("course 1 figure for
    the 24 mg arm"): no passage sharing a rarer word ("24 hours") is closer."""
    if reply.kind != "answer" or not reply.entry_ids or not found:
        return False
    when = kb.entries[reply.entry_ids[0]].when
    asked = {k for k in found if k in ("grade", "course", "dose")}
    return bool(asked) and all(k in when and found[k] in when[k] for k in asked)


def _closer_passage(kb: KnowledgeBase, text: str, found: Mapping[str, str], reply: Reply) -> Reply:
    """The passage holding the question's rarer words, when the intent's entry holds few of
    them: the classifier reads the question type, the words name the fact ("how long do the
    monthly blood and urine tests go on" read as a management question still gets the
    passage on monthly tests). Entries for another grade, course or dose are left out."""
    if reply.kind != "answer":
        return reply
    intent = kb.entries[reply.entry_ids[0]].intent
    hits = [
        h
        for h in kb.search(text, limit=SEARCH_DEPTH)
        if h.entry.intent != intent and all(found[k] in v for k, v in h.entry.when.items() if k in found)
    ]
    if not hits:
        return reply
    best = max(hits, key=lambda h: h.coverage)
    given = [kb.coverage(text, i) for i in reply.entry_ids]
    rarest = max(zip(best.weights, best.informative))[1] if best.weights else None
    if (
        best.coverage < OVERRIDE_COVERAGE
        or rarest not in best.matched
        or len(set(best.matched) & set(best.informative)) < CLOSEST_WORDS
        or any(
            g is None
            or g.coverage > OVERRIDE_GIVEN
            or rarest in g.matched
            or len(set(best.matched) & set(best.informative) - set(g.matched)) < CLOSEST_WORDS
            for g in given
        )
    ):
        return reply
    return Reply(
        "search",
        format_entries([best.entry]),
        (best.entry.id,),
        context={"intent": best.entry.intent, "constraints": {}},
    )


def _on_subject(kb: KnowledgeBase, text: str, reply: Reply) -> Reply:
    """The entries about the subject the question names (knowledge/subjects.yml: "stroke risk -
    time window?", "anti-GBM - how common") or the passage holding the figures it quotes, when
    the reply chosen holds none of them (not all of them, for a question that wants every one:
    several subjects named, or a compound one): the subject named decides, not a neighbouring
    entry that mentions it in passing."""
    ids = [i for i in subjects.named_entries(text) if i in kb.entries]
    given = set(reply.entry_ids)
    if ids and (set(ids) <= given if subjects.wants_every_entry(text) else set(ids) & given):
        return reply
    if subjects.answering_entries(text) & given:
        return reply
    if not ids:
        held = subjects.quoted_figure_entries(text, {i: e.answer for i, e in kb.entries.items()})
        if set(held) & set(reply.entry_ids):
            return reply
        scored = [(hit.coverage if hit else 0.0, i) for i in held for hit in [kb.coverage(text, i)]]
        ids = [max(scored)[1]] if scored else []
    if not ids:
        return reply
    first = kb.entries[ids[0]]
    return Reply(
        "answer",
        format_entries(kb.entries[i] for i in ids),
        tuple(ids),
        # an entry without a question type keeps the one read ("when are they most likely" next)
        context={"intent": first.intent or (reply.context or {}).get("intent"), "constraints": {}},
    )


def _answer_for(kb: KnowledgeBase, intent: str, found: dict[str, str]) -> Reply:
    """The intent's most specific entries, or "not covered" for a value no entry covers."""
    context = {"intent": intent, "constraints": found}
    for kind in ("grade", "course", "dose"):
        covered = kb.constraint_values(intent, kind)
        if kind in found and covered and found[kind] not in covered:
            return Reply(
                "not_covered",
                asked=f"{kind} {found[kind]}" + (" mg" if kind == "dose" else ""),
                covered=_listing(kind, covered),
                context=context,
            )
    entries = kb.answers_for(intent, found)
    if entries:
        return Reply("answer", format_entries(entries), tuple(e.id for e in entries), context=context)
    return Reply("unknown", topics=tuple(label for _, label in kb.topics))


def _covered_elsewhere(kb: KnowledgeBase, text: str, found: dict[str, str], reply: Reply) -> Reply:
    """The entries of another question type written for the grade, course or dose the read type
    does not cover ("any data on a 3rd course?" read as the schedule: the course 3 figures), when
    they hold every informative word of the question the read type's entries hold: the
    question's words do not tie it to the type read. Otherwise "not covered" stands."""
    context = reply.context or {}
    read = kb.answers_for(str(context.get("intent")), {})
    held = {
        w
        for e in read
        for hit in [kb.coverage(text, e.id)]
        if hit
        for w in set(hit.matched) & set(hit.informative)
    }
    for intent in dict.fromkeys(e.intent for e in kb.entries.values() if e.intent):
        if intent == context.get("intent"):
            continue
        elsewhere = _answer_for(kb, intent, found)
        written = [i for i in elsewhere.entry_ids if set(kb.entries[i].when) & set(found)]
        if elsewhere.kind != "answer" or not written:
            continue
        hits = [kb.coverage(text, i) for i in written]
        words = {w for hit in hits if hit for w in set(hit.matched) & set(hit.informative)}
        if held <= words:
            return elsewhere
    return reply


def _uncovered(kb: KnowledgeBase, found: Mapping[str, str]) -> Reply | None:
    """ "Not covered" for a grade, course or dose no entry at all is written for ("course 4",
    "36 mg/day"): whatever the question type, no passage answers it."""
    for kind in ("grade", "course", "dose"):
        covered = {v for e in kb.entries.values() for v in e.when.get(kind, ())}
        if kind in found and covered and found[kind] not in covered:
            return Reply(
                "not_covered",
                asked=f"{kind} {found[kind]}" + (" mg" if kind == "dose" else ""),
                covered=_listing(kind, covered),
            )
    return None


def _outside_topic(kb: KnowledgeBase, text: str, kind: str = "outside_topics") -> str | None:
    """A subject the protocol entries do not cover (knowledge/scope.yml: another indication,
    children, pregnancy, vaccination, cost; or `chat_topics`) named in a question: a word, or a
    phrase whose words alone are not outside ("the match": "does it match grade 3" asks)."""
    lowered = text.lower()
    words = set(re.findall(r"[a-z][a-z-]+", lowered))
    return next(
        (
            w
            for w in kb.vocabulary(kind)
            if w in words or (" " in w and re.search(rf"(?<![\w']){re.escape(w)}(?![\w'])", lowered))
        ),
        None,
    )


def _listing(kind: str, values: set[str]) -> str:
    ordered = sorted(values, key=lambda v: float(v))
    joined = ", ".join(ordered[:-1]) + (" and " if len(ordered) > 1 else "") + ordered[-1]
    return f"{kind} {joined}" + (" mg" if kind == "dose" else "")


def _search(kb: KnowledgeBase, text: str, found: Mapping[str, str], offer: bool = True) -> Reply:
    """One relevant passage (or one clearly ahead) as it is; several: offer their titles;
    none relevant, but some sharing the question's rarer words: "closest" (their titles,
    never a topic dump); nothing: unknown. Entries for another grade, course or dose than
    the one asked are left out."""
    candidates = [
        h
        for h in kb.search(text, limit=SEARCH_DEPTH)
        if all(found[k] in v for k, v in h.entry.when.items() if k in found)
    ]
    hits = [h for h in candidates if h.relevant][:MAX_OFFERS]
    explicit = [h for h in hits if set(h.entry.when) & set(found)]
    if len(explicit) == 1:  # the one entry written for the grade, course or dose asked
        hits = explicit
    hits = _titled(hits)
    whole = [h for h in hits if h.coverage >= 1.0]
    if len(whole) == 1:  # the one passage holding every word of the question ("are most IARs mild?")
        hits = whole
    if len(hits) > 1 and (not offer or hits[0].coverage > DOMINANCE * hits[1].coverage):
        hits = hits[:1]
    if len(hits) == 1:
        entry = hits[0].entry
        return Reply(
            "search",
            format_entries([entry]),
            (entry.id,),
            context={"intent": entry.intent, "constraints": {}} if entry.intent else None,
        )
    if hits:
        return _offer_or_answer(kb, hits, found)
    closest = [
        h
        for h in candidates
        if h.coverage >= CLOSEST_COVERAGE and len(set(h.matched) & set(h.informative)) >= CLOSEST_WORDS
    ][:MAX_OFFERS]
    if offer and closest:
        return Reply("closest", offers=tuple((h.entry.id, h.entry.title) for h in closest))
    return Reply("unknown", topics=tuple(label for _, label in kb.topics))


def _title_words(entry: KbEntry) -> set[str]:
    return set(TITLE_WORD.findall(entry.title.lower()))


def _titled(hits: list[SearchHit]) -> list[SearchHit]:
    """Of the passages holding as much of the question as each other, the one whose title
    names more of the question's informative words is what the question is about ("signs of
    HLH": the HLH entry, not the overview that lists HLH among others; a word most passages
    hold, like the drug's name, tells none apart)."""
    if len(hits) < 2:
        return hits
    top = max(h.coverage for h in hits)
    tied = [h for h in hits if h.coverage >= top]
    named = sorted(
        ((len(set(h.matched) & set(h.informative) & _title_words(h.entry)), h) for h in tied),
        key=lambda pair: pair[0],
        reverse=True,
    )
    if len(named) > 1 and named[0][0] > named[1][0]:
        return [named[0][1]]
    return hits


def _offer_or_answer(kb: KnowledgeBase, hits: list[SearchHit], found: Mapping[str, str]) -> Reply:
    """Close entries that all answer one question type (re-challenge in general and after
    a grade 3-4) are that question: its entry for the constraints asked. Otherwise offer
    their titles."""
    intents = {h.entry.intent for h in hits}
    if len(intents) == 1 and None not in intents:
        reply = _answer_for(kb, str(intents.pop()), dict(found))
        if reply.kind == "answer":
            return reply
    if len({h.entry.topic for h in hits}) == 1:  # variants of one passage: the closest one
        entry = hits[0].entry
        return Reply(
            "search",
            format_entries([entry]),
            (entry.id,),
            context={"intent": entry.intent, "constraints": {}} if entry.intent else None,
        )
    return Reply("offer", offers=tuple((h.entry.id, h.entry.title) for h in hits))
