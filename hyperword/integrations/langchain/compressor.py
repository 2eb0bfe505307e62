"""`HyperwordCompressor`: a LangChain document compressor that spends a token budget the
way the orchestrator does (relevance threshold, ranking, question-focused excerpts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import ConfigDict, Field

from hyperword.integrations.common import SourceDocument, compress_documents, source_metadata

__all__ = ["HyperwordCompressor"]


class HyperwordCompressor(BaseDocumentCompressor):
    """Keeps the documents that fit a budget, most relevant first, cut to excerpts.

    For use in a `ContextualCompressionRetriever`, or on any list of documents. Documents
    come back in context order; their metadata gains `level`, `context_tokens`, `score`,
    `cut` and `excerpt` (see `hyperword.integrations.common.source_metadata`).

    Attributes:
        compressor: What spends the budget and whose tokens it counts:
            a `TextCompressor`: verbatim text (whole chunks or their sentences nearest the
            question) for any LLM, counted with that LLM's tokenizer;
            an `Orchestrator`: the levels our model reads (verbatim text, hyperword ids,
            soft tokens). `page_content` is then the text each document stands for, and
            the planned source rides in the metadata for `HyperwordChatModel` to read at
            its level (`invoke(question, documents=...)`).
        options: `AskOptions` fields for every call (`budget`, `k`, `policy`, `focus`,
            `levels`, ...).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    compressor: Any
    options: dict[str, Any] = Field(default_factory=dict)

    def compress_documents(
        self, documents: Sequence[Document], query: str, callbacks: Callbacks | None = None
    ) -> Sequence[Document]:
        """The documents planned into the budget for `query` (an `OptionError` for bad
        options or an empty query)."""
        inputs = [SourceDocument.of(d.page_content, d.metadata, i) for i, d in enumerate(documents)]
        originals = {source.id: doc for source, doc in zip(inputs, documents, strict=True)}
        context = compress_documents(self.compressor, query, inputs, self.options)
        budget = None if _is_text_only(self.compressor) else context.budget
        return [
            Document(
                page_content=source.text,
                metadata=source_metadata(
                    source, originals[source.chunk_id].metadata, budget=budget
                ),
            )
            for source in context.sources
        ]


def _is_text_only(compressor: Any) -> bool:
    from orchestrator.text_compressor import TextCompressor

    return isinstance(compressor, TextCompressor)
