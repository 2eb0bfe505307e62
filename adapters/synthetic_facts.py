"""An unlimited, seeded generator of invented-fact passages and questions about them.

Every name is built from syllables, so no model can know a fact without reading it: a
decoder trained on these passages can only answer by reading its context (here, the soft
tokens). Each passage states several facts about several invented things, in random order;
the question asks about any one of them, so reading the right part of the passage matters.

    rng = random.Random(0)
    item = invented_fact_item(rng)  # QaItem(context, question, answers, article="invented")
"""

from __future__ import annotations

import random

from adapters.encoder_data import QaItem

__all__ = ["FACTS", "invented_fact_item", "invented_name"]

_SYLLABLES = (
    "vel", "tri", "os", "mund", "ka", "ra", "lin", "dor", "sa", "mi", "thal", "ven", "zo",
    "bel", "quin", "tor", "el", "nor", "fen", "ga", "lu", "mar", "sil", "bra", "den", "ith",
    "ova", "pel", "rin", "sto", "va", "gor", "ne", "dal", "ris", "tam", "cor", "bis", "hal",
    "ju", "kep", "lo", "mer", "nav", "oth", "pra", "qua", "sun", "tev", "ul", "wen", "yor",
)  # fmt: skip
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_WORDS = {
    "colour": ("red", "green", "blue", "yellow", "violet", "orange", "grey", "white", "black"),
    "material": ("oak", "granite", "copper", "glass", "marble", "brick", "iron", "cedar"),
    "animal": ("goat", "heron", "fox", "otter", "falcon", "lynx", "beetle", "salmon", "hare"),
    "food": ("barley", "lentils", "plums", "chestnuts", "turnips", "honey", "rice", "figs"),
    "instrument": ("flute", "harp", "drum", "violin", "lute", "horn", "cello", "zither"),
    "trade": ("weaver", "baker", "astronomer", "surgeon", "sculptor", "cartographer", "poet"),
}

# (sentence, ((question, answer slot), ...)). Slots: {p} a person, {q} another person, {t} a
# town, {u} another town, {r} a river, {x} a thing's name, {y} a year, {n} a number,
# {m} a month, and the word lists above.
FACTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "{p} was born in {t} in {y}.",
        (("Where was {p} born?", "t"), ("In which year was {p} born?", "y")),
    ),
    (
        "The {x} Bridge over the {r} River was built of {material} in {y}.",
        (
            ("Which river does the {x} Bridge cross?", "r"),
            ("What is the {x} Bridge built of?", "material"),
            ("When was the {x} Bridge built?", "y"),
        ),
    ),
    (
        "{t} has a population of {n} people.",
        (("What is the population of {t}?", "n"), ("Which town has {n} people?", "t")),
    ),
    (
        "The {x} Festival is held in {t} every {m}.",
        (
            ("Where is the {x} Festival held?", "t"),
            ("In which month is the {x} Festival held?", "m"),
        ),
    ),
    (
        "{p} wrote the novel {x} while living in {t}.",
        (("Who wrote the novel {x}?", "p"), ("Where was {p} living when writing {x}?", "t")),
    ),
    (
        "The {x} company makes {colour} {instrument}s in a workshop near {t}.",
        (
            ("What does the {x} company make?", "instrument"),
            ("Where is the {x} company's workshop?", "t"),
        ),
    ),
    (
        "{p} worked as a {trade} in {t} until {y}.",
        (("What was {p}'s trade?", "trade"), ("Until which year did {p} work in {t}?", "y")),
    ),
    (
        "The {x} stew is made from {food} and the meat of the {animal}.",
        (("Which animal's meat goes into {x} stew?", "animal"),),
    ),
    (
        "{p} married {q} in {t} in {m} {y}.",
        (("Whom did {p} marry?", "q"), ("In which town did {p} marry {q}?", "t")),
    ),
    (
        "The {r} River flows for {n} kilometres before reaching the sea at {t}.",
        (("How long is the {r} River?", "n"), ("Where does the {r} River reach the sea?", "t")),
    ),
    (
        "Mount {x} rises {n} metres above the town of {t}.",
        (("How high is Mount {x}?", "n"), ("Which town lies below Mount {x}?", "t")),
    ),
    (
        "The flag of {t} shows a {colour} {animal}.",
        (
            ("Which animal is on the flag of {t}?", "animal"),
            ("What colour is the {animal} on the flag of {t}?", "colour"),
        ),
    ),
    (
        "{p} founded the {x} school of music in {y}, where students learn the {instrument}.",
        (
            ("Who founded the {x} school of music?", "p"),
            ("Which instrument do students learn at the {x} school?", "instrument"),
        ),
    ),
    (
        "The ship {x} was launched in {u} in {y} and sank near {t}.",
        (("Where was the ship {x} launched?", "u"), ("Near which town did the {x} sink?", "t")),
    ),
    (
        "{p} discovered the mineral {x} in a {material} quarry in {y}.",
        (("Who discovered the mineral {x}?", "p"), ("When was {x} discovered?", "y")),
    ),
    (
        "The railway from {t} to {u} opened in {m} {y} and is {n} kilometres long.",
        (("When did the railway from {t} to {u} open?", "y"), ("Where does it go from {t}?", "u")),
    ),
)


def invented_name(rng: random.Random, *, avoid: set[str] = frozenset()) -> str:
    """A capitalised name of 2-3 syllables that is not in `avoid`."""
    while True:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        if name not in avoid:
            return name


def _fill(rng: random.Random, used: set[str]) -> dict[str, str]:
    def name() -> str:
        value = invented_name(rng, avoid=used)
        used.add(value)
        return value

    values = {
        "p": f"{name()} {name()}",
        "q": f"{name()} {name()}",
        "t": name(),
        "u": name(),
        "r": name(),
        "x": name(),
        "y": str(rng.randint(1200, 2020)),
        "n": f"{rng.randint(12, 98_000):,}",
        "m": rng.choice(_MONTHS),
    }
    values.update({key: rng.choice(words) for key, words in _WORDS.items()})
    return values


def invented_fact_item(rng: random.Random, *, min_facts: int = 3, max_facts: int = 6) -> QaItem:
    """A passage of `min_facts`-`max_facts` invented facts and a question about one of them."""
    used: set[str] = set()
    chosen = rng.sample(FACTS, rng.randint(min_facts, max_facts))
    stated = [(sentence, questions, _fill(rng, used)) for sentence, questions in chosen]
    context = " ".join(sentence.format(**values) for sentence, _, values in stated)
    _, questions, values = rng.choice(stated)
    question, slot = rng.choice(questions)
    return QaItem(context, question.format(**values), (values[slot],), article="invented")
