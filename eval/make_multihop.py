"""Two-hop *bridge* questions over invented facts, written in HotpotQA's official layout.

    python -m eval.make_multihop --out multihop.json --n 100 --distractors 8 --seed 0

Each question needs two paragraphs: the first links its subject to a bridge entity ("The
Velmund Bridge was designed by Orla Tamris."), the second links the bridge entity to the
answer ("Orla Tamris was born in the town of Kadorin."); the question names only the subject
("In which town was the designer of the Velmund Bridge born?"). Names are built from
syllables (`eval.tasks.synthetic.invented_name`), so no model knows an answer without reading
both paragraphs. Every paragraph is its fact among a few filler sentences about its subject.

Half the distractors (rounded up) are complete chains of the *same* template about other
entities (another bridge, its designer, where that designer was born), so neither one
paragraph nor the relation's keywords give the answer away; the rest are chains of other
templates. The file loads with the `hotpotqa` task; `_id` is `multihop-{seed}-{i}-{template}`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from dataclasses import dataclass
from pathlib import Path

from eval.exceptions import EvalError
from eval.tasks.synthetic import invented_name

__all__ = ["TEMPLATES", "BridgeTemplate", "build_multihop", "main", "write_multihop"]


@dataclass(frozen=True)
class BridgeTemplate:
    """One kind of two-hop question. `{a}` subject, `{b}` bridge entity, `{c}` answer.

    `*_phrase` is how filler sentences name a paragraph's subject ("the {a} Bridge"); a
    `{b}` or `{c}` that is a person gets a two-word name.
    """

    name: str
    first_title: str
    first_phrase: str
    first_fact: str
    second_title: str
    second_phrase: str
    second_fact: str
    question: str
    bridge_is_person: bool = True
    answer_is_person: bool = False


TEMPLATES = (
    BridgeTemplate(
        "designer-birthplace",
        "{a} Bridge",
        "the {a} Bridge",
        "The {a} Bridge was designed by {b}.",
        "{b}",
        "{b}",
        "{b} was born in the town of {c}.",
        "In which town was the designer of the {a} Bridge born?",
    ),
    BridgeTemplate(
        "founder-teacher",
        "{a}",
        "the town of {a}",
        "The town of {a} was founded by {b}.",
        "{b}",
        "{b}",
        "{b} learned the craft of masonry from {c}.",
        "From whom did the founder of the town of {a} learn masonry?",
        answer_is_person=True,
    ),
    BridgeTemplate(
        "tea-island",
        "{a} tea",
        "{a} tea",
        "{a} tea is brewed from the leaves of the {b} shrub.",
        "{b} shrub",
        "the {b} shrub",
        "The {b} shrub grows wild only on the island of {c}.",
        "On which island does the shrub that {a} tea is brewed from grow?",
        bridge_is_person=False,
    ),
    BridgeTemplate(
        "festival-river",
        "{a} Festival",
        "the {a} Festival",
        "The {a} Festival is held every spring in the city of {b}.",
        "{b}",
        "the city of {b}",
        "The city of {b} lies on the banks of the river {c}.",
        "On which river lies the city where the {a} Festival is held?",
        bridge_is_person=False,
    ),
    BridgeTemplate(
        "guild-pony",
        "{a} guild",
        "the {a} guild",
        "The {a} guild is led by {b}.",
        "{b}",
        "{b}",
        "{b} rides a grey pony named {c}.",
        "What is the name of the pony ridden by the leader of the {a} guild?",
    ),
    BridgeTemplate(
        "ship-harbour",
        "{a} (ship)",
        "the ship {a}",
        "The ship {a} is captained by {b}.",
        "{b}",
        "{b}",
        "{b} grew up in the harbour town of {c}.",
        "In which harbour town did the captain of the ship {a} grow up?",
    ),
)

# Filler about a paragraph's subject `{x}`; `{p}` is a fresh invented place. None of them uses
# a relation's words, so they neither answer nor mimic a question.
_FILLER = (
    "{X} is often mentioned in the old songs of {p}.",
    "Travellers from {p} describe {x} as {adj} and {adj2}.",
    "A {size} painting of {x} hangs in the library of {p}.",
    "Few books written in {p} say much about {x}.",
    "Merchants trading {good} in {p} still talk about {x}.",
    "Children in {p} learn a {size} rhyme about {x}.",
    "Scholars from {p} have written {num} letters about {x}.",
    "Every {season}, visitors from {p} come to see {x}.",
)
_WORDS = {
    "adj": ("quiet", "famous", "modest", "bright", "gentle", "curious", "stern", "graceful"),
    "size": ("small", "faded", "large", "cheerful", "well-known", "short"),
    "good": ("wool", "salt", "copper", "amber", "linen", "honey", "glass", "timber"),
    "num": ("two", "three", "four", "five", "six", "seven", "eight", "nine"),
    "season": ("spring", "summer", "autumn", "winter"),
}


@dataclass(frozen=True)
class _Chain:
    """The two paragraphs of one question: `(title, sentences, fact index)` each."""

    first: tuple[str, list[str], int]
    second: tuple[str, list[str], int]
    question: str
    answer: str


def _name(rng: random.Random, used: set[str], *, person: bool = False) -> str:
    parts = []
    for _ in range(2 if person else 1):
        part = invented_name(rng, avoid=used)
        used.add(part)
        parts.append(part)
    return " ".join(parts)


def _paragraph(
    rng: random.Random, used: set[str], title: str, phrase: str, fact: str
) -> tuple[str, list[str], int]:
    adj, adj2 = rng.sample(_WORDS["adj"], 2)
    filler = []
    for template in rng.sample(_FILLER, rng.randint(2, 4)):
        sentence = template.format(
            X=phrase[0].upper() + phrase[1:],
            x=phrase,
            p=_name(rng, used),
            adj=adj,
            adj2=adj2,
            size=rng.choice(_WORDS["size"]),
            good=rng.choice(_WORDS["good"]),
            num=rng.choice(_WORDS["num"]),
            season=rng.choice(_WORDS["season"]),
        )
        filler.append(sentence)
    position = rng.randint(0, len(filler))
    return title, [*filler[:position], fact, *filler[position:]], position


def _chain(template: BridgeTemplate, rng: random.Random, used: set[str]) -> _Chain:
    names = {
        "a": _name(rng, used),
        "b": _name(rng, used, person=template.bridge_is_person),
        "c": _name(rng, used, person=template.answer_is_person),
    }
    first = _paragraph(
        rng,
        used,
        template.first_title.format(**names),
        template.first_phrase.format(**names),
        template.first_fact.format(**names),
    )
    second = _paragraph(
        rng,
        used,
        template.second_title.format(**names),
        template.second_phrase.format(**names),
        template.second_fact.format(**names),
    )
    return _Chain(first, second, template.question.format(**names), names["c"])


def _distractors(
    template: BridgeTemplate, count: int, rng: random.Random, used: set[str]
) -> list[tuple[str, list[str], int]]:
    """`count` paragraphs: same-template chains for half (rounded up), other templates after."""
    others = [t for t in TEMPLATES if t is not template]
    paragraphs: list[tuple[str, list[str], int]] = []
    same = (count + 1) // 2
    while len(paragraphs) < count:
        kind = template if len(paragraphs) < same else rng.choice(others)
        chain = _chain(kind, rng, used)
        # second hop first: an odd count ends on a second-hop paragraph no question leads to
        limit = same if kind is template else count
        paragraphs.extend([chain.second, chain.first][: limit - len(paragraphs)])
    return paragraphs


def _record(i: int, *, distractors: int, seed: int) -> dict:
    rng = random.Random(f"multihop:{seed}:{i}")
    template = TEMPLATES[i % len(TEMPLATES)]
    used: set[str] = set()
    gold = _chain(template, rng, used)
    paragraphs = [gold.first, gold.second, *_distractors(template, distractors, rng, used)]
    rng.shuffle(paragraphs)
    return {
        "_id": f"multihop-{seed}-{i}-{template.name}",
        "question": gold.question,
        "answer": gold.answer,
        "type": "bridge",
        "context": [[title, sentences] for title, sentences, _ in paragraphs],
        "supporting_facts": [[gold.first[0], gold.first[2]], [gold.second[0], gold.second[2]]],
    }


def build_multihop(n: int, *, distractors: int = 8, seed: int = 0) -> list[dict]:
    """`n` two-hop bridge questions in HotpotQA's official JSON layout.

    Args:
        n: Number of questions; question `i` uses template `i % len(TEMPLATES)` and an RNG
            of its own, so the first questions do not change when `n` grows.
        distractors: Paragraphs besides the two supporting ones (HotpotQA's distractor
            setting has 8).
        seed: Seeds every name, filler sentence and paragraph order.

    Returns:
        Records `{_id, question, answer, type, context, supporting_facts}`; `context` holds
        `2 + distractors` `[title, sentences]` pairs with unique titles, shuffled;
        `supporting_facts` names the first-hop paragraph, then the second-hop paragraph
        (which holds the answer), each with its fact's sentence index.

    Raises:
        EvalError: `n` < 1 or `distractors` < 0.
    """
    for name, value, minimum in (("n", n, 1), ("distractors", distractors, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise EvalError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return [_record(i, distractors=distractors, seed=seed) for i in range(n)]


def write_multihop(path: str | Path, records: list[dict]) -> Path:
    """Write records as one JSON list (gzipped when the name ends in `.gz`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(records, indent=1)
    if path.suffix == ".gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="JSON file (.gz: gzipped).")
    parser.add_argument("--n", type=int, default=100, help="Questions.")
    parser.add_argument("--distractors", type=int, default=8, help="Paragraphs per question.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        records = build_multihop(args.n, distractors=args.distractors, seed=args.seed)
    except EvalError as error:
        parser.error(str(error))
    print(f"wrote {len(records)} questions to {write_multihop(args.out, records)}")


if __name__ == "__main__":
    main()
