"""Entities of a chunk, found by a documented heuristic: titles, names, quoted titles, dates.

No trustworthy packaged English NER model installs from PyPI here (spaCy's models are
published on GitHub, not PyPI; GLiNER downloads its weights from a model hub at run time),
so entities are found by rules that suit encyclopedic and technical English:

- `title`: the document's title (`metadata["title"]`, else the `doc_id` without a folder,
  a file extension or a trailing parenthetical: "Winner (band)" -> "Winner");
- `name`: runs of capitalised words ("YG Entertainment", "S.M. Entertainment", "Cho
  Kyu-hyun"), joined by at most two connectives of names ("Bank of England", "Jean de la
  Fontaine"; not "and": "Seoul and Busan" are two); a sentence-initial common word ("The",
  "In", "However") and a lone common word or month are dropped; codes and identifiers
  with a digit or an inner capital ("SKU-4411", "iPhone", "E404") count too;
- `quoted`: a short span in double quotes (titles of songs, films, albums);
- `date`: "February 3, 1988", "3 February 1988", "May 2012" and bare years (1000-2099);
- `number`: other numbers of two or more digits.

Noun phrases without a capital are not found (that needs a parser). Each entity has a
`key`: lower-cased, accents and punctuation removed, a leading "the" dropped; two mentions
link when their keys are equal.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

__all__ = ["ENTITY_KINDS", "LINKING_KINDS", "Entity", "entity_key", "extract_entities", "title_of"]

ENTITY_KINDS = ("title", "name", "quoted", "date", "number")
LINKING_KINDS = frozenset({"title", "name", "quoted"})  # kinds that name a document's subject
MAX_ENTITY_WORDS = 8


def _words(text: str) -> list[str]:
    return re.split(r"\s+", text.strip())


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{4}}"
    rf"|(?:{_MONTHS})\s+\d{{4}}|(?:1\d{{3}}|20\d{{2}}))\b"
)
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d{2,}(?:\.\d+)?\b")
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201c\u201d]{2,80}?)[\"\u201d]")
_WORD = re.compile(r"[^\W_][\w'\u2019.&/-]*", re.UNICODE)
_CONNECTIVES = frozenset(_words("of the de da del della di du des von van der den la le &"))
_COMMON = frozenset(
    _words(
        """a an the in on at to of for by with from and or but as if it its is was were be this
        that these those there their they he she his her him we our you your i my me who whom
        whose which what when where why how after before during since while although however
        also then thus both each every many most some such other another one two three first
        second last later early because though despite unlike like according not no yes all
        born married known following among between under over until upon into within without
        today yesterday here so than very mr mrs ms dr st are am do does did has have had
        could would should shall must might"""
    )
)
_LONE_WORDS = _COMMON | frozenset(_MONTHS.lower().split("|"))
_EXTENSIONS = (".gz", ".txt", ".md", ".markdown", ".jsonl", ".json", ".html", ".rst")
_PAREN = re.compile(r"\s*\([^)]*\)\s*$")


@dataclass(frozen=True)
class Entity:
    """One entity of a chunk: its normalised `key`, how it was written, and its kind."""

    key: str
    text: str
    kind: str


def entity_key(text: str) -> str:
    """The matching key: lower-cased, accents and punctuation out, a leading "the" dropped."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    words = re.findall(r"[^\W_]+", folded)
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    return " ".join(words)


def title_of(doc_id: str, metadata: dict | None = None) -> str:
    """A document's title: `metadata["title"]`, else its `doc_id` cut to a bare name."""
    title = (metadata or {}).get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    name = doc_id
    if name.lower().endswith(_EXTENSIONS):  # a file: its bare name, extensions off
        name = PurePosixPath(name.replace("\\", "/")).name
        while name.lower().endswith(_EXTENSIONS):
            name = name[: name.rindex(".")]
    return _PAREN.sub("", name).strip() or name


def extract_entities(text: str, *, title: str | None = None) -> list[Entity]:
    """The entities of `text` (and its document's `title`), each key once, in text order."""
    found: list[Entity] = []
    if title and entity_key(title):
        found.append(Entity(entity_key(title), title, "title"))
    for match in _QUOTED.finditer(text):
        found.append(Entity(entity_key(match.group(1)), match.group(1).strip(), "quoted"))
    found += [Entity(entity_key(t), t, "name") for t in _names(text)]
    for match in _DATE.finditer(text):
        found.append(Entity(entity_key(match.group(0)), match.group(0), "date"))
    for match in _NUMBER.finditer(text):
        if not _DATE.fullmatch(match.group(0)):
            found.append(Entity(entity_key(match.group(0)), match.group(0), "number"))
    seen: set[str] = set()
    unique = []
    for entity in found:
        words = entity.key.split()
        if entity.key and entity.key not in seen and len(words) <= MAX_ENTITY_WORDS:
            seen.add(entity.key)
            unique.append(entity)
    return unique


def _capitalised(word: str) -> bool:
    """A name's word: a capital first, or a code (a digit and a letter, or an inner capital)."""
    if word[0].isupper():
        return True
    has_digit = any(c.isdigit() for c in word)
    return (has_digit and any(c.isalpha() for c in word)) or any(c.isupper() for c in word[1:])


def _names(text: str) -> list[str]:
    """Runs of capitalised words, joined by connectives. A one-word run that opens a
    sentence ("Merchants trading salt ...") counts only when the word is capitalised
    elsewhere in the text too, mid-sentence."""
    runs: list[tuple[list[str], bool]] = []  # (words, whether it opens a sentence)
    run: list[str] = []
    pending: list[str] = []  # connectives waiting for the next capitalised word
    sentence_start, previous_end, opens = True, 0, False
    for match in _WORD.finditer(text):
        if text[previous_end : match.start()].strip():  # a comma, bracket or quote between
            runs.append((run, opens))
            run, pending = [], []
        previous_end = match.end()
        word = match.group(0).rstrip(".'\u2019-") or match.group(0)
        if re.fullmatch(r"[A-Z]\.(?:[A-Z]\.)+", match.group(0)):
            word = match.group(0)  # an initialism keeps its dots: "S.M."
        opener = sentence_start and word.lower() in _COMMON
        if _capitalised(word) and not opener and not word.isdigit():
            opens = opens if run else sentence_start
            run += [*pending, _strip_possessive(word)]
            pending = []
        elif run and word.lower() in _CONNECTIVES and len(pending) < 2:
            pending.append(word)
        else:
            runs.append((run, opens))
            run, pending = [], []
        sentence_start = _ends_sentence(text, match.end(), match.group(0))
        if sentence_start:
            runs.append((run, opens))
            run, pending = [], []
    runs.append((run, opens))
    inside = {word for words, at_start in runs if not at_start for word in words}
    names: list[str] = []
    for words, at_start in runs:
        if len(words) == 1 and at_start and words[0] not in inside:
            continue
        _close(words, names)
    return names


def _strip_possessive(word: str) -> str:
    return re.sub(r"['\u2019]s$", "", word)


def _ends_sentence(text: str, end: int, token: str) -> bool:
    """Whether the token ending at `end` ends a sentence (a full stop not of an initialism)."""
    after = text[end : end + 2]
    if token.endswith((".", "!", "?")) and not re.fullmatch(r"(?:[A-Z]\.)+|[A-Z][a-z]?\.", token):
        return True
    return after[:1] in ("!", "?", ";", ":") or (after[:1] == "." and after[1:2] in (" ", ""))


def _close(run: list[str], names: list[str]) -> None:
    """Keep `run` as a name unless it is one common word or a month ("For", "August")."""
    if run and not (len(run) == 1 and run[0].lower() in _LONE_WORDS):
        names.append(" ".join(run))
