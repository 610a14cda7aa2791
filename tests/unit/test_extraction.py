"""Table-driven tests of symptom extraction (bot/patient/nlp): lexicon, ConText status, quantities.

Cases follow clinical-reference.md "Delayed events patients must know" (US label,
FDA DSC 2018, EMA 2019) and the seed's common IAR symptoms, in patients' words.
"""

from __future__ import annotations

from datetime import date

import pytest

from bot.patient.nlp.extract import extract, get_extractor
from bot.patient.symptoms import expand, load_lexicon

# bot.patient.nlp.pipeline silences spaCy W036 (empty token Matchers); pytest resets filters per test.
pytestmark = pytest.mark.filterwarnings("ignore:.*W036")

TODAY = date(2025, 3, 14)  # a Friday


@pytest.fixture(scope="session", autouse=True)
def pipeline():
    """Build the medspaCy pipeline once for the whole session."""
    return get_extractor()


def statuses(text: str) -> dict[str, str]:
    """symptom id -> status; a present mention wins over other mentions of the same symptom."""
    result: dict[str, str] = {}
    for f in extract(text, TODAY).findings:
        if result.get(f.symptom) != "present":
            result[f.symptom] = f.status
    return result


# (message, {symptom id: status}) — the dict must equal what is found.
SYMPTOM_CASES = [
    # stroke / arterial dissection signs
    ("My face is drooping on one side", {"face_droop": "present"}),
    ("my wife says my smile is lopsided", {"face_droop": "present"}),
    ("Half my face feels numb", {"face_droop": "present"}),
    ("my left arm feels weak and heavy", {"limb_weakness_one_side": "present"}),
    ("I can't lift my arm properly", {"limb_weakness_one_side": "present"}),
    ("numbness down one side since this morning", {"limb_weakness_one_side": "present"}),
    ("my speech is slurred", {"speech_difficulty": "present"}),
    ("I'm slurring my words", {"speech_difficulty": "present"}),
    ("I can't get my words out", {"speech_difficulty": "present"}),
    ("I suddenly feel really confused", {"confusion": "present"}),
    ("I don't know where I am", {"confusion": "present"}),
    ("I can't see properly out of my left eye", {"vision_loss": "present"}),
    ("my vision went blurry all of a sudden", {"vision_loss": "present"}),
    ("I'm seeing double", {"vision_loss": "present"}),
    ("I feel dizzy and keep losing my balance", {"dizziness_balance": "present"}),
    ("the room is spinning", {"dizziness_balance": "present"}),
    ("worst headache of my life", {"headache_sudden_severe": "present"}),
    ("I got a sudden splitting headache", {"headache_sudden_severe": "present"}),
    ("my headache came on out of nowhere", {"headache_sudden_severe": "present"}),
    # a stiff neck is its own emergency symptom since issue 9 (Listeria meningitis sign)
    ("my neck is really stiff and painful", {"stiff_neck": "present"}),
    ("pain in my neck", {"neck_pain": "present"}),
    # heart
    ("I have chest pain", {"chest_pain": "present"}),
    ("there's a tight feeling, my chest is tight", {"chest_pain": "present"}),
    ("pressure in my chest", {"chest_pain": "present"}),
    ("pain going down my left arm", {"pain_arm_jaw": "present"}),
    ("my jaw hurts and my chest feels heavy", {"pain_arm_jaw": "present", "chest_pain": "present"}),
    # breathing / anaphylaxis
    ("I can't catch my breath", {"shortness_of_breath": "present"}),
    ("I cant breathe", {"shortness_of_breath": "present"}),
    ("I'm short of breath walking upstairs", {"shortness_of_breath": "present"}),
    ("struggling to breathe", {"shortness_of_breath": "present"}),
    ("I've been wheezing all night", {"wheeze": "present"}),
    ("my lips are swelling up", {"throat_lip_swelling": "present"}),
    ("my tongue feels swollen", {"throat_lip_swelling": "present"}),
    ("my throat is closing up", {"throat_lip_swelling": "present"}),
    ("I can't swallow", {"throat_lip_swelling": "present"}),
    ("I'm coughing up blood", {"coughing_blood": "present"}),
    ("there's blood in my phlegm", {"coughing_blood": "present"}),
    ("I fainted in the kitchen", {"fainting": "present"}),
    ("I passed out for a minute", {"fainting": "present"}),
    ("I feel like I'm going to pass out", {"fainting": "present"}),
    # same-day contact
    ("I've got a fever", {"fever": "present"}),
    ("I'm running a temperature", {"fever": "present"}),
    ("I'm covered in hives", {"hives_widespread": "present"}),
    ("hives all over my body", {"hives_widespread": "present"}),
    ("I can't stop throwing up", {"vomiting_persistent": "present"}),
    ("I can't keep anything down", {"vomiting_persistent": "present"}),
    ("my gums keep bleeding when I brush", {"bleeding": "present"}),
    # bleeding that will not stop is an emergency (clinical reference), its own symptom since issue 9
    ("I've had a nosebleed that won't stop", {"bleeding_wont_stop": "present"}),
    ("I've got bruises I can't explain", {"bruising": "present"}),
    ("tiny red spots on my legs", {"petechiae": "present"}),
    ("a rash that doesn't fade when pressed", {"petechiae": "present"}),
    ("the whites of my eyes look yellow", {"jaundice": "present"}),
    ("my skin is turning yellow", {"jaundice": "present"}),
    ("my pee is really dark", {"dark_urine": "present"}),
    ("blood in my urine", {"blood_in_urine": "present"}),
    # expected IAR symptoms
    ("I have a mild headache", {"headache": "present"}),
    ("I've got an itchy rash on my arms", {"itching": "present", "rash": "present"}),
    ("my face is red and hot", {"flushing": "present"}),
    ("I feel sick to my stomach", {"nausea": "present"}),
    ("I threw up once after lunch", {"vomiting": "present"}),
    ("I'm so tired", {"fatigue": "present"}),
    ("I've got the chills", {"chills": "present"}),
    ("some hives on my arm", {"hives": "present"}),
    # negation
    ("no fever, but I have a rash", {"fever": "negated", "rash": "present"}),
    ("I don't have chest pain", {"chest_pain": "negated"}),
    ("I'm not short of breath", {"shortness_of_breath": "negated"}),
    (
        "No chest pain or shortness of breath, just a headache",
        {"chest_pain": "negated", "shortness_of_breath": "negated", "headache": "present"},
    ),
    ("I haven't had a fever, chills or a rash", {"fever": "negated", "chills": "negated", "rash": "negated"}),
    ("I haven't noticed any swelling of my lips", {"throat_lip_swelling": "negated"}),
    ("never fainted, but I feel dizzy", {"fainting": "negated", "dizziness_balance": "present"}),
    ("I'm not dizzy and I'm not confused", {"dizziness_balance": "negated", "confusion": "negated"}),
    ("I don't have a fever and my chest hurts", {"fever": "negated", "chest_pain": "present"}),
    ("Not feeling great, chest hurts", {"chest_pain": "present"}),
    ("Not sleeping well lately chest hurts", {"chest_pain": "present"}),
    ("I can't breathe, no fever", {"shortness_of_breath": "present", "fever": "negated"}),
    ("I don't feel well my face is drooping", {"face_droop": "present"}),
    # hypothetical
    ("what if I get chest pain?", {"chest_pain": "hypothetical"}),
    ("What should I do if my lips swell?", {"throat_lip_swelling": "hypothetical"}),
    ("should I worry if I get a headache?", {"headache": "hypothetical"}),
    ("Can lemtrada cause a stroke?", {"stroke": "hypothetical"}),
    ("what are the signs of a stroke?", {"stroke": "hypothetical"}),
    ("in case I start coughing up blood, who do I call?", {"coughing_blood": "hypothetical"}),
    (
        "I have a rash, what if my throat starts closing?",
        {"rash": "present", "throat_lip_swelling": "hypothetical"},
    ),
    ("If I stand up, I get dizzy", {"dizziness_balance": "present"}),
    ("If I have a shower I get dizzy", {"dizziness_balance": "present"}),
    # someone else
    ("my mum had a stroke", {"stroke": "family"}),
    ("My husband has a fever and I have a rash", {"fever": "family", "rash": "present"}),
    ("my daughter's face is drooping", {"face_droop": "family"}),
    ("my husband's face is drooping", {"face_droop": "family"}),
    ("my wife can't breathe", {"shortness_of_breath": "family"}),
    # family history: historical wins over family; someone else's hypothetical or negated
    ("my dad had chest pain last year but I'm fine", {"chest_pain": "historical"}),
    ("my mum had a stroke last year", {"stroke": "historical"}),
    ("there's a family history of stroke", {"stroke": "historical"}),
    ("stroke runs in my family", {"stroke": "historical"}),
    ("what if my husband gets chest pain?", {"chest_pain": "hypothetical"}),
    ("my husband doesn't have chest pain", {"chest_pain": "negated"}),
    # people in general: a topic, not a report
    ("do patients get chest pain?", {"chest_pain": "hypothetical"}),
    ("can people get a rash from it?", {"rash": "hypothetical"}),
    # historical
    ("I had a rash last year", {"rash": "historical"}),
    # shingles is in the lexicon since issue 9 (infection sign)
    (
        "I had shingles years ago and a headache years ago",
        {"headache": "historical", "shingles_cold_sores": "historical"},
    ),
    ("history of migraines", {"headache": "historical"}),
    (
        "Last year I had hives, now my lips are swelling",
        {"hives": "historical", "throat_lip_swelling": "present"},
    ),
    # spacing, case and hyphens
    ("Face  DROOPING", {"face_droop": "present"}),
    ("my face is\ndrooping", {"face_droop": "present"}),
    ("chest-pain since lunch", {"chest_pain": "present"}),
    ("feeling light-headed", {"dizziness_balance": "present"}),
    # look-alikes that are not symptoms
    ("I'm confused about the schedule for my next infusion", {}),
    ("what counts as a fever?", {}),
    ("when is my next infusion?", {}),
]


@pytest.mark.parametrize("text, expected", SYMPTOM_CASES, ids=[c[0] for c in SYMPTOM_CASES])
def test_symptoms_and_status(text: str, expected: dict[str, str]) -> None:
    assert statuses(text) == expected


# (message, °C)
TEMPERATURE_CASES = [
    ("my temperature is 38.6", 38.6),
    ("temp 38,6 this morning", 38.6),
    ("fever of 38.5", 38.5),
    ("temp of 39", 39.0),
    ("101.5F", 38.6),
    ("it says 101.5 °F", 38.6),
    ("I measured 102 F", 38.9),
    ("39°C and shivering", 39.0),
    ("thermometer says 37.4", 37.4),
    ("temperature was 100 degrees", 37.8),
    ("38 degrees", 38.0),
    ("temps 37.8 then 38.3", 38.3),
    ("I'm 38 years old and I have a headache", None),
    ("I had my infusion 2 days ago", None),
    ("I took 500 mg paracetamol", None),
    ("no temperature taken", None),
]


@pytest.mark.parametrize("text, celsius", TEMPERATURE_CASES, ids=[c[0] for c in TEMPERATURE_CASES])
def test_temperature(text: str, celsius: float | None) -> None:
    assert extract(text, TODAY).temperature_c == celsius


# (message, days since infusion) with TODAY = Friday 14 March 2025
TIME_CASES = [
    ("my infusion was today", 0),
    ("I had the infusion this morning", 0),
    ("infusion yesterday", 1),
    ("started last night", 1),
    ("my infusion was 2 days ago", 2),
    ("two days ago", 2),
    ("a couple of days ago", 2),
    ("the day before yesterday", 2),
    ("3 days after my infusion the rash started", 3),
    ("I had it on Monday", 4),
    ("last Friday", 7),
    ("my infusion was on 12 March", 2),
    ("infusion on March 10th", 4),
    ("infusion 2025-03-10", 4),
    ("a week ago", 7),
    ("had my infusion on 12 March, rash since yesterday", 2),
    ("I had my infusion 3 days ago and the rash started yesterday", 3),
    ("48 hours ago", 2),
    ("I have a rash", None),
]


@pytest.mark.parametrize("text, days", TIME_CASES, ids=[c[0] for c in TIME_CASES])
def test_days_since_infusion(text: str, days: int | None) -> None:
    assert extract(text, TODAY).days_since_infusion == days


# (message, message severity, {symptom: its own severity})
SEVERITY_CASES = [
    ("a bit of a headache", "mild", {"headache": "mild"}),
    ("slight rash", "mild", {"rash": "mild"}),
    ("my headache is really bad", "severe", {"headache": "severe"}),
    ("the itching is unbearable", "severe", {"itching": "severe"}),
    ("quite nauseous", "moderate", {"nausea": "moderate"}),
    ("the rash is not too bad", "mild", {"rash": "mild"}),
    ("mild headache and really bad nausea", "severe", {"headache": "mild", "nausea": "severe"}),
    ("I feel sick", None, {"nausea": None}),
]


@pytest.mark.parametrize("text, overall, own", SEVERITY_CASES, ids=[c[0] for c in SEVERITY_CASES])
def test_severity(text: str, overall: str | None, own: dict[str, str | None]) -> None:
    result = extract(text, TODAY)
    assert result.severity == overall
    assert {f.symptom: f.severity for f in result.findings} == own


@pytest.mark.parametrize(
    "text, expected",
    [
        ("what if I get chest pain?", True),
        ("should I worry if my face droops?", True),
        ("I have chest pain, what if it gets worse?", False),
        ("I have a rash", False),
    ],
)
def test_hypothetical_question(text: str, expected: bool) -> None:
    assert extract(text, TODAY).hypothetical_question is expected


def test_finding_spans_point_at_the_words() -> None:
    text = "Since yesterday my lips are swelling"
    finding = extract(text, TODAY).findings[0]
    assert text[finding.start : finding.end] == finding.text == "lips are swelling"


@pytest.mark.slow
def test_every_red_flag_phrase_is_an_emergency_on_its_own() -> None:
    """No lexicon phrase of an emergency symptom is lost to a look-alike or a cue."""
    lexicon = load_lexicon()
    missed = []
    for symptom in lexicon.symptoms.values():
        if symptom.cls != "emergency":
            continue
        for phrase in symptom.phrases:
            found = extract(phrase, TODAY).findings
            if not any(f.is_present and lexicon.symptoms[f.symptom].cls == "emergency" for f in found):
                missed.append((symptom.id, phrase))
    assert missed == []


def test_no_phrase_names_two_symptoms() -> None:
    owners: dict[str, set[str]] = {}
    for symptom in load_lexicon().symptoms.values():
        for phrase in symptom.phrases + symptom.not_phrases:
            owners.setdefault(phrase.lower(), set()).add(symptom.id)
    assert {p: ids for p, ids in owners.items() if len(ids) > 1} == {}


@pytest.mark.parametrize(
    "template, phrases",
    [
        ("{face|facial} droop", ["face droop", "facial droop"]),
        ("{my|} chest {pain|pains}", ["my chest pain", "my chest pains", "chest pain", "chest pains"]),
        ("plain words", ["plain words"]),
    ],
)
def test_template_expansion(template: str, phrases: list[str]) -> None:
    assert expand(template) == phrases


def test_every_phrase_of_the_lexicon_is_found_as_its_own_symptom(pipeline) -> None:
    """The phrase trie tokenizes a phrase chunk by chunk; a message that is exactly the
    phrase, tokenized whole as messages are, must be matched whole with its symptom's id."""
    matcher = pipeline.nlp.get_pipe("iar_symptom_matcher")
    lexicon = load_lexicon()
    wrong = []
    for symptom in lexicon.symptoms.values():
        for phrase in symptom.phrases[::7]:
            doc = pipeline.nlp.make_doc(phrase)
            if (symptom.id, 0, len(doc)) not in matcher.matches(doc):
                wrong.append((symptom.id, phrase))
    assert not wrong, wrong[:10]
