"""The demo: answer questions over the shipped sample corpus and report what it cost.

For now it retrieves the best document with the embedder and reads it verbatim; later
issues turn this into the full pipeline (store, compression levels, orchestrator).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from hyperword.generation import answer_question
from hyperword.models import DEFAULT_MODEL, load_base_model, load_embedder
from hyperword.sample_data import SampleQuestion, sample_documents, sample_questions

__all__ = ["DemoResult", "run_demo"]


@dataclass(frozen=True)
class DemoResult:
    question: str
    answer: str
    expected: tuple[str, ...]
    correct: bool
    retrieved_doc: str
    context_tokens: int
    corpus_tokens: int
    seconds: float


def run_demo(
    model_name: str = DEFAULT_MODEL,
    *,
    num_questions: int = 3,
    on_result: Callable[[DemoResult], None] | None = None,
) -> list[DemoResult]:
    """Answer the first `num_questions` sample questions; call `on_result` after each one."""
    model, tokenizer = load_base_model(model_name)
    embedder = load_embedder()
    documents = sample_documents()
    doc_ids = list(documents)
    doc_vectors = embedder.encode([documents[d] for d in doc_ids], normalize_embeddings=True)
    corpus_tokens = len(tokenizer("\n\n".join(documents.values())).input_ids)
    results = []
    for item in sample_questions()[:num_questions]:
        start = time.perf_counter()
        query = embedder.encode([item.question], normalize_embeddings=True)[0]
        best = doc_ids[int((doc_vectors @ query).argmax())]
        generation = answer_question(model, tokenizer, item.question, documents[best])
        result = DemoResult(
            question=item.question,
            answer=generation.text,
            expected=item.answers,
            correct=_contains_answer(generation.text, item),
            retrieved_doc=best,
            context_tokens=generation.context_tokens,
            corpus_tokens=corpus_tokens,
            seconds=time.perf_counter() - start,
        )
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _contains_answer(text: str, item: SampleQuestion) -> bool:
    return any(answer.lower() in text.lower() for answer in item.answers)
