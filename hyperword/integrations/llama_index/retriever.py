"""`HyperwordRetriever`: a LlamaIndex retriever over a `MnemonicStore`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from hyperword.integrations.common import HIT_KEYS, hit_metadata

__all__ = ["HyperwordRetriever", "text_node"]


def text_node(text: str, node_id: str, metadata: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    """A `TextNode` whose metadata `keys` stay out of the LLM's prompt and the embeddings."""
    hidden = [key for key in metadata if key in keys]
    return TextNode(
        text=text,
        id_=node_id,
        metadata=dict(metadata),
        excluded_llm_metadata_keys=hidden,
        excluded_embed_metadata_keys=hidden,
    )


class HyperwordRetriever(BaseRetriever):
    """The store's best chunks for a query, as `NodeWithScore`s (score: cosine similarity).

    Each node's text is the chunk's; its metadata is the chunk's own plus `doc_id`,
    `chunk_id`, `chunk_index`, `score` and `level` (kept out of the LLM's prompt).

    Args:
        store: A `mnemonic.MnemonicStore`.
        search_kwargs: Passed to `MnemonicStore.search` as they are (`k`, `where`, and any
            option a later store adds).
        callback_manager: LlamaIndex's callbacks.
    """

    def __init__(
        self,
        store: Any,
        *,
        search_kwargs: Mapping[str, Any] | None = None,
        callback_manager: Any = None,
    ):
        super().__init__(callback_manager=callback_manager)
        self.store = store
        self.search_kwargs = dict(search_kwargs if search_kwargs is not None else {"k": 4})

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.store.search(query_bundle.query_str, **self.search_kwargs)
        return [
            NodeWithScore(
                node=text_node(hit.text, hit.id, hit_metadata(hit), HIT_KEYS), score=hit.score
            )
            for hit in hits
        ]
