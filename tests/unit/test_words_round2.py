"""Patients' own words, second round of issue 9: causes of the misses and false
emergencies of the fourth blind set, each with our own sentences (not the blind
set's): text-speak without vowels, someone who will not wake, sight going like a
blind, bleeding through towels, repeated questions, a pulse-oximeter reading, a new
sign next to a usual one, a smile that does not lift; and the other way round:
creeping signs counted in weeks, someone else's sign told second-hand, a sign that
was something else, an episode during the infusion, usual signs "as they have been",
risk questions, signs said to be fine, and denials or questions in other languages.

The figures that count are on the blind sets (bench/red_flag_rules.py,
tests/e2e/test_blind_patients.py).
"""

from __future__ import annotations

import pytest

from bot.patient.nlp.extract import get_extractor
from bot.patient.nlp.language import detect_language, names_red_flag
from tests.support.first_reply import read

# (message, rule): red flags that must be an emergency in the first reply
RED_FLAGS = [
    # text-speak without vowels
    ("thrt swlln cnt swllw", "breathing-anaphylaxis"),
    ("chst hrts rly bad since 2day", "heart-signs"),
    ("struggling 2 gt my brth", "breathing-anaphylaxis"),
    # someone who will not wake / respond
    ("my dad is on the sofa and we cant wake him up", "someone-else-red-flag"),
    ("I found my wife on the floor, she's not responding", "someone-else-red-flag"),
    # sight going like a blind or a shutter; sight "went"
    ("it's like a shutter came down over my right eye", "stroke-signs"),
    ("the sight in my left eye has gone all of a sudden", "stroke-signs"),
    # bleeding through towels, non-stop
    ("my gums have been going since lunchtime, soaked 2 towels already", "bleeding-wont-stop"),
    ("nose has been bleeding non stop for an hour", "bleeding-wont-stop"),
    # confusion in a carer's words
    (
        "my husband has a temperature and keeps asking the same question again and again",
        "someone-else-red-flag",
    ),
    # a pulse-oximeter reading below 92 %
    ("my oxygen reading on the finger clip is 88 percent", "breathing-anaphylaxis"),
    ("my oximeter says 90% and I feel a bit funny", "breathing-anaphylaxis"),
    # a new sign after a usual one, in a long sentence: "but" ends the usual's scope
    (
        "the tingling in my feet is as usual but since 20 minutes my left arm is heavy and numb",
        "stroke-signs",
    ),
    (
        "my usual fatigue is the same as ever however since lunch my left leg is weak and dragging",
        "stroke-signs",
    ),
    # a smile that does not lift on one side
    ("when I smile the left side of my mouth won't go up", "stroke-signs"),
    # getting worse over days is a creeping neurological sign only: these stay emergencies
    ("chest pain getting worse each day", "heart-signs"),
    ("my throat is getting tighter over the last few days", "breathing-anaphylaxis"),
]


@pytest.fixture(scope="module", autouse=True)
def pipeline():
    """Build the medspaCy pipeline once."""
    return get_extractor()


@pytest.mark.parametrize("text, rule", RED_FLAGS, ids=[c[0] for c in RED_FLAGS])
def test_red_flags_in_the_first_reply(text: str, rule: str) -> None:
    assert read(text)[:2] == ("emergency", rule)


# messages that are not an emergency: (message, expected disposition); a message with
# nothing present but someone else's past or an episode at the infusion unit is
# "not understood": urgent, reviewed by the site
NOT_EMERGENCIES = [
    # creeping over a number of weeks: same day, not a stroke
    ("for the past 3 weeks my right hand has been getting weaker, buttons are hard", "urgent"),
    ("my balance has got worse and worse and my legs heavier and heavier", "urgent"),
    # someone else's sign told second-hand
    ("a woman in my support group said she had chest pain after hers, I'm ok", "urgent"),
    ("my pal from the trial ended up in hospital with a stroke, I'm fine", "urgent"),
    # a sign that turned out to be something else
    ("I thought I was coughing up blood but it was from a nosebleed earlier", "urgent"),
    # an episode during the infusion itself
    ("felt a bit dizzy during the infusion on monday but the nurses sorted it", "urgent"),
    # usual signs "as they have been", since an old MS event
    ("my left leg is numb, the same as it has been for the last few years", "routine"),
    ("double vision like it's been since my relapse in 2021, nothing new", "routine"),
    # risk questions
    ("i've read alemtuzumab can cause bleeding in the lungs, how likely is that?", "routine"),
    ("my neighbour said lemtrada may cause a stroke, is that true?", "routine"),
    # signs said to be fine, or answered "no" one by one
    ("rash on my arms, throat fine, lips normal, breathing is fine", "routine"),
    ("Chest pain? No. Short of breath? Nope. Just tired", "routine"),
    # asking what a sign looks like
    ("how would I know if I was having a stroke?", "routine"),
]


@pytest.mark.parametrize("text, disposition", NOT_EMERGENCIES, ids=[c[0] for c in NOT_EMERGENCIES])
def test_not_emergencies(text: str, disposition: str) -> None:
    assert read(text)[0] == disposition


def test_a_negation_before_a_sign_stays_a_negation() -> None:
    """ "not" before "swollen" is not taken into the symptom ("face not swollen, lips…")."""
    assert read("arms itchy, face not swollen, lips ok")[2].get("throat_lip_swelling") == "negated"


def test_an_inability_keeps_its_lead_words() -> None:
    assert read("I can't lift my right arm")[2] == {"limb_weakness_one_side": "present"}


# (message, language, names a warning sign it does not deny)
LANGUAGES = [
    ("Tengo tos desde ayer, pero no tengo dolor de pecho", "es", False),
    ("Sin dificultad para respirar, solo un poco de picor", "es", False),
    ("no puedo respirar y me duele el pecho", "es", True),
    ("J'ai de la fièvre, pas de saignement, pas de gonflement", "fr", False),
    ("je ne peux plus parler correctement depuis ce matin", "fr", True),
    # "keine Atemnot" is "no breathlessness": a denial, as "keine Brustschmerzen" (round 3;
    # was True here while Atemnot was listed as never denied, like "keine Luft")
    ("Ich habe Fieber, aber keine Brustschmerzen und keine Atemnot", "de", False),
    ("Mir ist heiß, die Brust tut nicht weh", "de", False),
    ("Was mache ich, wenn meine Lippen anschwellen?", "de", False),
    ("Ich bekomme seit heute Morgen keine Luft mehr", "de", True),
    ("Ho un po' di febbre ma respiro bene", "it", False),
    ("Não tenho falta de ar", "pt", True),  # "falta de ar": never denied, the screen asks
    ("Estou com febre, sem dor no peito", "pt", False),
    ("Ik heb koorts, geen pijn op de borst", "nl", False),
    ("Wat moet ik doen als ik bloed ophoest?", "nl", False),
    ("Mam gorączkę, klatka piersiowa mnie nie boli", "pl", False),
    ("Nie mogę oddychać, pomocy", "pl", True),
    ("Nagle nie widzę na prawe oko", "pl", True),
    ("Un peu de rougeur sur le visage depuis hier soir", "fr", False),
    # a metallic taste in the mouth is an expected reaction, not a mouth drooping
    ("Tengo un sabor metálico en la boca desde ayer", "es", False),
    ("Ich habe seit gestern einen komischen Geschmack im Mund", "de", False),
    ("Mi si è storta la bocca da un lato", "it", True),
    ("Le visage de ma mère tombe d'un côté depuis une heure", "fr", True),
    # a denial ends with its clause: "and"/"but" start a new one
    ("Je n'ai pas de fièvre et la bouche de mon mari tombe", "fr", True),
    ("Pas de fièvre, pas de raideur dans la nuque", "fr", False),
    ("Keine Kopfschmerzen aber die Lippen sind geschwollen", "de", True),
    # "sudden" (and "worst" where it is its own word) makes a headache or dizziness a
    # warning sign; "can't feel" is an inability, not a denial
    ("Mi è venuto improvvisamente un dolore alla testa fortissimo", "it", True),
    ("De repente me duele muchísimo la cabeza", "es", True),
    ("Tengo dolor de cabeza desde ayer, pero es leve", "es", False),
    ("Ich habe die schlimmsten Kopfschmerzen meines Lebens", "de", True),
    ("Mam lekki ból głowy od rana", "pl", False),
    ("Od godziny nie czuję lewej ręki", "pl", True),
    ("Ik voel mijn arm niet meer sinds vanochtend", "nl", True),
    # "sudden" and "the worst" in every language (a French thunderclap headache of the final
    # blind set 4 ended urgent); "worse" alone, where it is the same word, is no warning sign
    ("Mon mari a eu d'un coup un mal de tête terrible", "fr", True),
    ("J'ai tout à coup très mal à la tête", "fr", True),
    ("C'est le pire mal de tête de ma vie", "fr", True),
    ("Je me sens un peu pire qu'hier, je suis fatiguée", "fr", False),
    ("Me dio de golpe un dolor de cabeza horrible", "es", True),
    ("Es el peor dolor de cabeza de mi vida", "es", True),
    ("Hoy estoy peor que ayer, con fiebre", "es", False),
    ("Mi è venuto di colpo un mal di testa", "it", True),
    ("È il peggior mal di testa della mia vita", "it", True),
    ("É a pior dor de cabeça da minha vida", "pt", True),
    ("Ik kreeg ineens hele erge hoofdpijn", "nl", True),
    ("Auf einmal habe ich starke Kopfschmerzen", "de", True),
]


@pytest.mark.parametrize("text, language, red_flag", LANGUAGES, ids=[c[0] for c in LANGUAGES])
def test_foreign_denials_and_questions(text: str, language: str, red_flag: bool) -> None:
    assert detect_language(text) == language
    assert names_red_flag(text, language) == red_flag


@pytest.mark.parametrize(
    "word, read_as",
    [("brth", "breath"), ("chst", "chest"), ("thrt", "throat"), ("swlln", "swollen"), ("nmb", "numb")],
)
def test_vowelless_words(word: str, read_as: str) -> None:
    assert get_extractor().typos.correct(word) == read_as


@pytest.mark.parametrize("word", ["pls", "thx", "msg", "hmm"])
def test_vowelless_words_not_ours_are_kept(word: str) -> None:
    assert get_extractor().typos.correct(word) is None


@pytest.mark.parametrize(
    "text, low",
    [
        ("o2 89", True),
        ("my oxygen saturation was 94% this morning", False),
        ("I sat in the chair for 90 minutes", False),
        ("was on oxygen for 85 mins", False),
    ],
)
def test_oxygen_readings(text: str, low: bool) -> None:
    assert ("low_oxygen" in read(text)[2]) == low
