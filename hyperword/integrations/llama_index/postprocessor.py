"""`HyperwordPostprocessor`: a LlamaIndex node postprocessor that spends a token budget the
way the orchestrator does (relevance threshold, ranking, question-focused excerpts)."""

from __future__ import annotations

from typing import Any

from llama_index.core.bridge.pydantic import ConfigDict, Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle

from hyperword.integrations.common import (
    PLANNED_BUDGET,
    PLANNED_SOURCE,
    SOURCE_KEYS,
    SourceDocument,
    compress_documents,
    source_metadata,
)
from hyperword.integrations.llama_index.retriever import text_node

__all__ = ["HyperwordPostprocessor"]


class HyperwordPostprocessor(BaseNodePostprocessor):
    """Keeps the nodes that fit a budget, most relevant first, cut to excerpts.

    Nodes come back in context order with the text each stands for; their metadata gains
    `level`, `context_tokens`, `score`, `cut` and `excerpt` (kept out of the LLM's prompt).

    Attributes:
        compressor: A `TextCompressor` (verbatim text for any LLM, counted with its
            tokenizer) or an `Orchestrator` (the levels our model reads; the planned
            sources ride in the metadata for `HyperwordQueryEngine`).
        options: `AskOptions` fields for every call (`budget`, `k`, `policy`, `focus`, ...).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    compressor: Any
    options: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def class_name(cls) -> str:
        return "HyperwordPostprocessor"

    def _postprocess_nodes(
        self, nodes: list[NodeWithScore], query_bundle: QueryBundle | None = None
    ) -> list[NodeWithScore]:
        from orchestrator.exceptions import OptionError
        from orchestrator.text_compressor import TextCompressor

        if query_bundle is None:
            raise OptionError("HyperwordPostprocessor needs the query to spend the budget on")
        inputs = [
            SourceDocument.of(n.node.get_content(MetadataMode.NONE), n.node.metadata, i)
            for i, n in enumerate(nodes)
        ]
        originals = {source.id: node for source, node in zip(inputs, nodes, strict=True)}
        context = compress_documents(self.compressor, query_bundle.query_str, inputs, self.options)
        budget = None if isinstance(self.compressor, TextCompressor) else context.budget
        keys = (*SOURCE_KEYS, PLANNED_SOURCE, PLANNED_BUDGET)
        return [
            NodeWithScore(
                node=text_node(
                    source.text,
                    source.chunk_id,
                    source_metadata(
                        source, originals[source.chunk_id].node.metadata, budget=budget
                    ),
                    keys,
                ),
                score=source.score,
            )
            for source in context.sources
        ]
