"""`synthetic`: needle-in-a-haystack questions over invented facts; no data file needed.

Each example hides one invented fact (the needle, e.g. "The capital of Veltria is Osmund.")
at a seeded random position among filler sentences about other invented places, split into
short paragraphs. The question asks for the needle's value. Names are built from syllables,
so no model can know the answer without reading the context. Small by default: the test
suite runs it with a tiny random model.
"""

from __future__ import annotations

import random
from pathlib import Path

from eval.exceptions import EvalError
from eval.tasks.base import Example, register_task
from eval.tasks.reading import check_options

__all__ = ["RELATIONS", "invented_name", "load_synthetic"]

_SYLLABLES = (
    "vel", "tri", "os", "mund", "ka", "ra", "lin", "dor", "sa", "mi", "thal", "ven", "zo",
    "bel", "quin", "tor", "el", "nor", "fen", "ga", "lu", "mar", "sil", "bra", "den", "ith",
    "ova", "pel", "rin", "sto", "va", "gor", "ne", "dal", "ris", "tam",
)  # fmt: skip

# (relation, needle sentence, question); {s} is the subject, {o} the answer.
RELATIONS = (
    ("capital", "The capital of {s} is {o}.", "What is the capital of {s}?"),
    ("designer", "The {s} Bridge was designed by {o}.", "Who designed the {s} Bridge?"),
    ("founder", "The town of {s} was founded by {o}.", "Who founded the town of {s}?"),
    ("password", "The password of the {s} guild is {o}.", "What is the password of the {s} guild?"),
    ("shrub", "{s} tea is brewed from the {o} shrub.", "Which shrub is {s} tea brewed from?"),
)

_FILLER = (
    "Traders from {a} bring {good} and {good} to the markets of {b}.",
    "In {a} the winters are {adj} and the summers are {adj}.",
    "The old road from {a} to {b} passes many {adj} villages.",
    "Many families in {a} keep {animal} and grow {crop}.",
    "Every {season} the river near {a} floods the fields of {b}.",
    "A festival in {a} celebrates the {adj} harvest each {season}.",
    "Stories told in {a} speak of a {adj} {beast} that lived near {b}.",
    "The people of {a} and {b} have traded {good} for centuries.",
)
_WORDS = {
    "good": ("wool", "salt", "copper", "amber", "linen", "honey", "glass", "timber"),
    "adj": ("long", "mild", "quiet", "bright", "windy", "golden", "grey", "gentle"),
    "animal": ("goats", "geese", "ponies", "bees", "sheep", "herons"),
    "beast": ("wolf", "heron", "stag", "serpent", "owl", "bear"),
    "crop": ("barley", "beans", "flax", "turnips", "rye", "apples"),
    "season": ("spring", "summer", "autumn", "winter"),
}


def invented_name(rng: random.Random, *, avoid: set[str] = frozenset()) -> str:
    """A capitalised name of 2-3 syllables that is not in `avoid`."""
    while True:
        name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
        if name not in avoid:
            return name


def _filler_sentence(rng: random.Random, used: set[str]) -> str:
    template = rng.choice(_FILLER)
    a = invented_name(rng, avoid=used)
    b = invented_name(rng, avoid=used | {a})
    sentence = template.format(a=a, b=b, **{key: "{" + key + "}" for key in _WORDS})
    for key, choices in _WORDS.items():
        slot = "{" + key + "}"
        # Distinct words for repeated slots ("{good} and {good}").
        for word in rng.sample(choices, sentence.count(slot)):
            sentence = sentence.replace(slot, word, 1)
    return sentence


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise EvalError(f"{name} must be an integer >= {minimum}, got {value!r}")


@register_task("synthetic")
def load_synthetic(
    path: str | Path | None = None,
    *,
    seed: int = 0,
    n: int = 20,
    haystack_words: int = 300,
    paragraph_words: int = 60,
    needle_depth: float | None = None,
    **unknown,
) -> list[Example]:
    """Generate `n` needle-in-a-haystack examples, the same ones for the same options.

    Args:
        path: Ignored (nothing is read); `None` is fine.
        seed: Seeds every example (example `i` uses its own RNG seeded by `(seed, i)`, so the
            first examples do not change when `n` grows).
        n: Number of examples.
        haystack_words: Approximate number of filler words around the needle.
        paragraph_words: Filler words per paragraph (each paragraph is one document).
        needle_depth: Where the needle goes, from 0 (first sentence) to 1 (last); `None`
            draws it uniformly per example.

    Returns:
        Examples `synthetic-{seed}-{i}`; documents are `("Passage k", text)` paragraphs and
        `gold_titles` names the one holding the needle. `meta` has `relation`, `needle`,
        `needle_depth` (the realised fraction), `haystack_words` and `gold_position`.
    """
    check_options(
        "synthetic",
        unknown,
        ("seed", "n", "haystack_words", "paragraph_words", "needle_depth"),
    )
    _check_int("n", n, 1)
    _check_int("haystack_words", haystack_words, 0)
    _check_int("paragraph_words", paragraph_words, 1)
    if needle_depth is not None and (
        isinstance(needle_depth, bool)
        or not isinstance(needle_depth, int | float)
        or not 0 <= needle_depth <= 1
    ):
        raise EvalError(f"needle_depth must be None or a number from 0 to 1, got {needle_depth!r}")
    return [_example(i, seed, haystack_words, paragraph_words, needle_depth) for i in range(n)]


def _example(
    i: int, seed: int, haystack_words: int, paragraph_words: int, needle_depth: float | None
) -> Example:
    rng = random.Random(f"synthetic:{seed}:{i}")
    relation, needle_template, question_template = RELATIONS[i % len(RELATIONS)]
    subject = invented_name(rng)
    answer = invented_name(rng, avoid={subject})
    needle = needle_template.format(s=subject, o=answer)
    used = {subject, answer}

    filler: list[str] = []
    words = 0
    while words < haystack_words:
        sentence = _filler_sentence(rng, used)
        filler.append(sentence)
        words += len(sentence.split())
    if needle_depth is None:
        position = rng.randint(0, len(filler))
    else:
        position = round(needle_depth * len(filler))
    sentences = [*filler[:position], needle, *filler[position:]]

    paragraphs: list[list[str]] = [[]]
    count = 0
    gold_position = 0
    for sentence in sentences:
        if count >= paragraph_words:
            paragraphs.append([])
            count = 0
        paragraphs[-1].append(sentence)
        if sentence is needle:
            gold_position = len(paragraphs) - 1
        else:
            count += len(sentence.split())
    documents = tuple((f"Passage {k + 1}", " ".join(p)) for k, p in enumerate(paragraphs))
    return Example(
        id=f"synthetic-{seed}-{i}",
        question=question_template.format(s=subject),
        answers=(answer,),
        documents=documents,
        gold_titles=(documents[gold_position][0],),
        meta={
            "relation": relation,
            "needle": needle,
            "needle_depth": position / len(filler) if filler else 0.0,
            "haystack_words": words,
            "gold_position": gold_position,
        },
    )
