"""The demo pipeline: ingest the shipped sample corpus at every available level, then answer.

`hyperword demo` (and `make demo`) runs it: a temporary store of the sample corpus (verbatim
text always; hyperword ids, scene and concept vectors when a hyperword tokenizer / a trained
encoder is available; the levels left out are named), then sample questions answered by the
orchestrator under a budget, each with its token report beside the whole corpus's cost.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperword.levels import LevelParts, stored_levels
from hyperword.memory import model_kv_cache_bytes
from hyperword.models import DEFAULT_MODEL
from orchestrator.answer import AnswerReport
from orchestrator.loading import AUTO, resolve_encoder, resolve_hyperword_tokenizer
from orchestrator.orchestrator import Orchestrator

__all__ = ["DemoResult", "DemoSetup", "run_demo"]


DEFAULT_BUDGET = 128
_SKIPPED = {  # what a level lacks -> what to tell the user
    "hyperword tokenizer": "no hyperword tokenizer (pass --hyperword-tokenizer DIR)",
    "encoder": "no trained encoder (train one, or pass --encoder DIR)",
}


@dataclass(frozen=True)
class DemoSetup:
    """The store the demo built.

    Attributes:
        documents: Documents ingested.
        chunks: Chunks stored.
        levels: Levels available, richest first.
        skipped: Levels left out, with why.
        corpus_tokens: The whole corpus in base tokens (the full-context cost).
        full_kv_cache_bytes: Analytic KV cache of reading the whole corpus.
        ingest_seconds: Time to chunk, embed and encode the corpus.
    """

    documents: int
    chunks: int
    levels: tuple[str, ...]
    skipped: dict[str, str]
    corpus_tokens: int
    full_kv_cache_bytes: int
    ingest_seconds: float


@dataclass(frozen=True)
class DemoResult:
    """One answered question."""

    question: str
    answer: str
    expected: tuple[str, ...]
    correct: bool
    retrieved_doc: str
    context_tokens: int
    corpus_tokens: int
    seconds: float
    report: AnswerReport | None = field(default=None, repr=False)


def run_demo(
    model_name: str = DEFAULT_MODEL,
    *,
    num_questions: int = 3,
    budget: int = DEFAULT_BUDGET,
    encoder: Any = AUTO,
    hyperword_tokenizer: Any = AUTO,
    on_setup: Callable[[DemoSetup], None] | None = None,
    on_result: Callable[[DemoResult], None] | None = None,
) -> list[DemoResult]:
    """Ingest the sample corpus into a temporary store and answer the first sample questions.

    Args:
        model_name: Base model alias or folder.
        num_questions: How many sample questions.
        budget: Context tokens per question.
        encoder: Encoder folder, `"auto"` or None (see `Orchestrator`).
        hyperword_tokenizer: Hyperword tokenizer folder, `"auto"` or None.
        on_setup: Called once the store is built.
        on_result: Called after each answer.
    """
    from hyperword.models import load_base_model
    from hyperword.sample_data import sample_documents

    model, tokenizer = load_base_model(model_name)
    soft_encoder = resolve_encoder(encoder, model=model, tokenizer=tokenizer)
    hyperwords = resolve_hyperword_tokenizer(
        hyperword_tokenizer, base_tokenizer=tokenizer, base_name=model_name
    )
    parts = LevelParts(model, tokenizer, hyperword_tokenizer=hyperwords, encoder=soft_encoder)
    corpus_tokens = len(tokenizer("\n\n".join(sample_documents().values())).input_ids)
    with tempfile.TemporaryDirectory(prefix="hyperword-demo-") as folder:
        start = time.perf_counter()
        with _ingest_sample(Path(folder) / "store", parts) as store:
            orchestrator = Orchestrator(
                store,
                model=model,
                base_tokenizer=tokenizer,
                encoder=soft_encoder,
                tokenizer=hyperwords,
                budget=budget,
            )
            setup = _setup(store, orchestrator, _skipped_levels(parts), corpus_tokens, start)
            if on_setup is not None:
                on_setup(setup)
            return _answer_samples(orchestrator, num_questions, corpus_tokens, on_result)


def _ingest_sample(folder: Path, parts: LevelParts) -> Any:
    """A store of the sample corpus with every level `parts` make available."""
    from hyperword.models import load_embedder
    from hyperword.sample_data import sample_corpus_dir
    from mnemonic import HyperwordChunkEncoder, MnemonicStore, soft_chunk_encoders

    columns: list[Any] = []  # chunk encoders: every available level is stored at ingest
    if parts.hyperword_tokenizer is not None:
        columns.append(HyperwordChunkEncoder(parts.hyperword_tokenizer))
    if parts.encoder is not None:
        columns.extend(soft_chunk_encoders(parts.encoder))
    store = MnemonicStore(
        folder, embedder=load_embedder(), tokenizer=parts.tokenizer, encoders=columns
    )
    store.ingest_paths([sample_corpus_dir()])
    return store


def _setup(
    store: Any, orchestrator: Orchestrator, skipped: dict, corpus_tokens: int, start: float
) -> DemoSetup:
    stats = store.stats()
    model = orchestrator.model
    return DemoSetup(
        documents=stats.documents,
        chunks=stats.chunks,
        levels=orchestrator.levels,
        skipped=skipped,
        corpus_tokens=corpus_tokens,
        full_kv_cache_bytes=model_kv_cache_bytes(
            model.config,
            corpus_tokens,
            bytes_per_value=next(model.parameters()).dtype.itemsize,
        ),
        ingest_seconds=time.perf_counter() - start,
    )


def _answer_samples(
    orchestrator: Orchestrator,
    num_questions: int,
    corpus_tokens: int,
    on_result: Callable[[DemoResult], None] | None,
) -> list[DemoResult]:
    from hyperword.sample_data import sample_questions

    results = []
    for item in sample_questions()[:num_questions]:
        answer = orchestrator.ask(item.question)
        report = answer.report
        result = DemoResult(
            question=item.question,
            answer=answer.text,
            expected=item.answers,
            correct=any(a.lower() in answer.text.lower() for a in item.answers),
            retrieved_doc=report.sources[0].doc_id if report.sources else "",
            context_tokens=report.context_tokens,
            corpus_tokens=corpus_tokens,
            seconds=report.total_seconds,
            report=report,
        )
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _skipped_levels(parts: LevelParts) -> dict[str, str]:
    """The levels the demo cannot store, each with what to do about it."""
    skipped = {}
    for level in stored_levels():
        reason = level.unavailable(parts)
        if reason is not None:
            skipped[level.name] = _SKIPPED.get(level.needs or "", reason)
            if reason != f"no {level.needs} loaded":  # loaded, but it does not serve the level
                skipped[level.name] = reason
    return skipped
