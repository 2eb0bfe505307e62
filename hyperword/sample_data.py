"""The sample corpus shipped with the package: short documents about invented things.

The facts are made up, so a model can only answer from the context, never from pretraining.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

__all__ = ["SampleQuestion", "sample_corpus_dir", "sample_documents", "sample_questions"]


@dataclass(frozen=True)
class SampleQuestion:
    question: str
    answers: tuple[str, ...]
    doc_id: str


def sample_corpus_dir() -> Path:
    """The folder of sample documents (Markdown files), usable as an ingest path."""
    return Path(str(files("hyperword") / "data" / "sample_corpus"))


def sample_documents() -> dict[str, str]:
    """`{doc_id: text}`, the doc id being the file name."""
    return {path.name: path.read_text() for path in sorted(sample_corpus_dir().glob("*.md"))}


def sample_questions() -> list[SampleQuestion]:
    path = Path(str(files("hyperword") / "data" / "sample_questions.jsonl"))
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [
        SampleQuestion(question=r["question"], answers=tuple(r["answers"]), doc_id=r["doc_id"])
        for r in records
    ]
