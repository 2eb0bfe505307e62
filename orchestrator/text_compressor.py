"""`TextCompressor`: question-focused verbatim excerpts under a budget, for any LLM.

It spends the budget as `Orchestrator.ask` does with the `text` level alone (the same
relevance threshold, ranking, cuts and excerpts: `plan_context`), but loads no model: only
a tokenizer, to count the target LLM's tokens, and the retrieval embedder, to score
documents and sentences against the question.

```python
compressor = TextCompressor(budget=256)
context = compressor.compress("Who designed the bridge?", documents)  # any objects with .text
for source in context.sources:
    print(source.text)  # verbatim: the whole chunk, or its sentences nearest the question
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from hyperword.levels import LevelParts
from orchestrator.assembly import MarkerStyle
from orchestrator.compression import CompressedContext, plan_context, score_documents
from orchestrator.exceptions import OptionError
from orchestrator.extractive import SentenceScorer
from orchestrator.options import AskOptions
from orchestrator.policy import create_policy

__all__ = ["DOCUMENT_SEPARATOR", "TextCompressor"]

# Compressed documents carry no source markers; the budget pays for a separator between two
# (the blank line most prompt templates join documents with).
DOCUMENT_SEPARATOR = MarkerStyle(source="", separator="\n\n")


class TextCompressor:
    """Spends a budget of the target LLM's tokens on verbatim excerpts of documents.

    Args:
        tokenizer: A Hugging Face tokenizer of the target LLM (counts the budget); the
            default base model's when omitted.
        embedder: A sentence-transformers model (scores documents and sentences); the
            default retrieval embedder when omitted.
        budget: Default budget in tokens.
        options: Defaults for every other `compress` option (an `AskOptions`; `k`,
            `policy`, `policy_options` and `focus` are read).
        markers: What the budget pays for around each document.
    """

    def __init__(
        self,
        *,
        tokenizer: Any = None,
        embedder: Any = None,
        budget: int | None = None,
        options: AskOptions | None = None,
        markers: MarkerStyle = DOCUMENT_SEPARATOR,
    ):
        if tokenizer is None:
            from hyperword.models import DEFAULT_MODEL, load_tokenizer

            tokenizer = load_tokenizer(DEFAULT_MODEL)
        if embedder is None:
            from hyperword.models import load_embedder

            embedder = load_embedder()
        self.tokenizer, self.embedder, self.markers = tokenizer, embedder, markers
        defaults = options or AskOptions()
        self.options = defaults.with_options(budget=budget) if budget else defaults
        self.parts = LevelParts(model=None, tokenizer=tokenizer)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalized retrieval vectors `(len(texts), dim)`."""
        vectors = self.embedder.encode(
            list(texts), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def compress(
        self, question: str, documents: Sequence[Any], **options: Any
    ) -> CompressedContext:
        """The documents' excerpts that fit the budget, most relevant first.

        Args:
            question: What the excerpts should answer.
            documents: Objects with `text` (and optionally `doc_id`, `id`, `metadata`);
                scored here, whatever score they carry.
            **options: `AskOptions` fields (`budget`, `k`, `policy`, `policy_options`,
                `focus`); `levels` may only be `["text"]`.

        Raises:
            OptionError: A bad option, an empty question, or a level other than `text`.
        """
        opts = self.options.with_options(**options)
        if not isinstance(question, str) or not question.strip():
            raise OptionError("the question is empty")
        if opts.levels not in (None, ("text",)):
            raise OptionError(f"a text compressor has the text level only, got {opts.levels}")
        policy = create_policy(opts.policy, **opts.policy_options)
        vector = self.embed([question])[0]
        found = score_documents(documents, vector, self.embed)[: opts.k]
        scorer = (
            SentenceScorer(question, self.embed, question_vector=vector) if opts.focus else None
        )
        return plan_context(
            question,
            found,
            parts=self.parts,
            levels=("text",),
            policy=policy,
            options=opts,
            markers=self.markers,
            scorer=scorer,
        )
