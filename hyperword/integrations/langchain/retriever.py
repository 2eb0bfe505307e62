"""`HyperwordRetriever`: a LangChain retriever over a `MnemonicStore`."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from hyperword.integrations.common import hit_metadata

__all__ = ["HyperwordRetriever"]


class HyperwordRetriever(BaseRetriever):
    """The store's best chunks for a query, as `Document`s.

    Each document's `page_content` is the chunk's text; its metadata is the chunk's own plus
    `doc_id`, `chunk_id`, `chunk_index`, `score` (cosine similarity) and `level` (`text`).

    Attributes:
        store: A `mnemonic.MnemonicStore`.
        search_kwargs: Passed to `MnemonicStore.search` as they are (`k`, `where`, and any
            option a later store adds); keyword arguments of `invoke` override them, e.g.
            `retriever.invoke(query, where="doc_id = 'tea.md'")`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: Any
    search_kwargs: dict[str, Any] = Field(default_factory=lambda: {"k": 4})

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        hits = self.store.search(query, **{**self.search_kwargs, **kwargs})
        return [Document(page_content=hit.text, metadata=hit_metadata(hit)) for hit in hits]
