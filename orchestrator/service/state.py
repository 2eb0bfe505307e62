"""What the service holds: one model (behind one lock), its stores, one orchestrator per store."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hyperword.models import DEFAULT_MODEL
from orchestrator.loading import AUTO, resolve_encoder, resolve_hyperword_tokenizer
from orchestrator.orchestrator import Orchestrator
from orchestrator.service.errors import ServiceError

__all__ = ["ServiceConfig", "ServiceState"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceConfig:
    """How to run the service.

    Args:
        stores: Store name -> folder; requests name a store with `"store"` (default: the
            first).
        model: Base model alias or folder.
        encoder: Soft-token encoder folder, `"auto"` or None.
        hyperword_tokenizer: Hyperword tokenizer folder, `"auto"` or None.
        budget: Default context budget.
        max_body_bytes: Larger request bodies get a 413.
        create: Create store folders that do not exist (else startup fails naming them).
        device: Where to load the model.
        served_model_name: The `model` chat completions report when the request names none.
    """

    stores: Mapping[str, str | Path]
    model: str = DEFAULT_MODEL
    encoder: str | None = AUTO
    hyperword_tokenizer: str | None = AUTO
    budget: int = 256
    max_body_bytes: int = field(default=2**20, metadata={"help": "bytes; larger gets 413"})
    create: bool = False
    device: str | None = None
    served_model_name: str = "hyperword"

    def __post_init__(self) -> None:
        if not self.stores:
            raise ValueError("name at least one store")
        if self.max_body_bytes < 1024:
            raise ValueError(f"max_body_bytes must be >= 1024, got {self.max_body_bytes}")
        if self.budget < 1:
            raise ValueError(f"budget must be >= 1, got {self.budget}")


class ServiceState:
    """Loads the model once and opens every store; serializes model and store use.

    Generation is serialized by one model lock shared by every orchestrator. Store writes
    (add, delete) are serialized by one write lock; searches and asks take no store lock:
    they read the last committed state while a write is in progress, and a write never
    waits for generation.
    """

    def __init__(self, config: ServiceConfig):
        from hyperword.models import load_base_model
        from mnemonic import MnemonicStore, StoreCorruptError
        from mnemonic.manifest import MANIFEST

        self.config = config
        stores = {
            name: MnemonicStore(
                path,
                create=config.create,
                # a new store counts tokens with the served model's tokenizer
                base_model=None if (Path(path) / MANIFEST).is_file() else config.model,
            )
            for name, path in config.stores.items()
        }
        model, tokenizer = load_base_model(config.model, device=config.device)
        encoder = resolve_encoder(config.encoder, model=model, tokenizer=tokenizer)
        hyperword = resolve_hyperword_tokenizer(
            config.hyperword_tokenizer, base_tokenizer=tokenizer, base_name=config.model
        )
        self.model_lock, self.write_lock = threading.Lock(), threading.Lock()
        self.orchestrators = {
            name: Orchestrator(
                store,
                model=model,
                base_tokenizer=tokenizer,
                encoder=encoder,
                tokenizer=hyperword,
                budget=config.budget,
                lock=self.model_lock,
            )
            for name, store in stores.items()
        }
        self.model_name = str(getattr(model, "name_or_path", config.model))
        for name, store in stores.items():  # load the embedder, the index and the chunker now
            try:
                store.search("warm-up", k=1)
                store.chunker  # noqa: B018 -- parsing a tokenizer holds the GIL for seconds
            except StoreCorruptError as error:  # served as 503s, reported by /healthz
                logger.error("store '%s': %s", name, error)

    @property
    def default_store(self) -> str:
        return next(iter(self.orchestrators))

    def orchestrator(self, store: str | None) -> Orchestrator:
        """The orchestrator of a store by name (the first when None); 404 when unknown."""
        name = store or self.default_store
        if name not in self.orchestrators:
            raise ServiceError(
                404, f"unknown store '{name}'; this service has {sorted(self.orchestrators)}"
            )
        return self.orchestrators[name]

    def add(self, store: str | None, documents: Sequence[Mapping[str, Any]]) -> Any:
        """Ingest documents (upsert by doc_id); returns the `IngestReport`."""
        target = self.orchestrator(store).store
        with self.write_lock:
            return target.add_documents(documents)

    def delete(self, store: str | None, doc_id: str) -> int:
        """Delete a document and its chunks (how many); 404 when it was not in the store."""
        target = self.orchestrator(store).store
        with self.write_lock:
            removed = target.delete_documents([doc_id])
        if removed.documents == 0:
            name = store or self.default_store
            raise ServiceError(404, f"no document '{doc_id}' in store '{name}'")
        return removed.chunks

    def search(
        self, store: str | None, query: str, *, k: int, where: str | None, mode: str, links: bool
    ) -> dict[str, Any]:
        """`{"hits": [...]}`; with `links`, each hit with its `neighbours` (linked chunks)."""
        target = self.orchestrator(store).store
        hits = target.search(query, k=k, where=where, mode=mode)
        found = [hit.to_dict() for hit in hits]
        if links:
            for hit, data in zip(hits, found, strict=True):
                data["neighbours"] = [n.to_dict() for n in target.neighbours(hit.id, k=5)]
        return {"hits": found}

    def health(self) -> dict[str, Any]:
        """Counts per store; a damaged store is listed with its error (status "degraded")."""
        from mnemonic.exceptions import StoreCorruptError

        stores: dict[str, Any] = {}
        for name, orchestrator in self.orchestrators.items():
            try:
                stats = orchestrator.store.stats()
                stores[name] = {"documents": stats.documents, "chunks": stats.chunks}
            except StoreCorruptError as error:
                stores[name] = {"documents": None, "chunks": None, "damaged": str(error)}
        first = self.orchestrators[self.default_store]
        damaged = any("damaged" in entry for entry in stores.values())
        return {
            "status": "degraded" if damaged else "ok",
            "model": self.model_name,
            "levels": list(first.levels),
            "budget": first.options.budget,
            "max_positions": first.max_positions,
            "stores": stores,
        }
