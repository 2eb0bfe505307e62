"""The hot path: a FAISS index over the retrieval vectors, persisted beside the tables.

FAISS ids are the rows' `seq` numbers. Vectors are L2-normalized, so inner product is cosine
similarity. Index kinds live in a registry (`@register_index("flat")`); `IndexConfig.kind =
"auto"` picks exact search below `exact_threshold` vectors and `ann_kind` at or above it.

On disk: `index-<token>.faiss` plus an `index.json` sidecar (`mnemonic.index_file`) naming
that file and recording its size, SHA-256, vector count, largest `seq` and the table version it
reflects; anything that does not match is reported as `IndexLoadError` and the store rebuilds
from LanceDB.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from hyperword.registry import Registry
from mnemonic.exceptions import ConfigError
from mnemonic.index_file import SIDECAR

__all__ = [
    "INDEX_KINDS",
    "SIDECAR",
    "IndexConfig",
    "IndexKind",
    "VectorIndex",
    "register_index",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexConfig:
    """Which FAISS index to build and how to search it (search-time values apply on load)."""

    kind: str = field(default="auto", metadata={"help": "'auto' or a registered index kind."})
    exact_threshold: int = field(
        default=20_000, metadata={"help": "'auto': exact search below this many vectors."}
    )
    ann_kind: str = field(default="hnsw", metadata={"help": "'auto': kind at/above threshold."})
    hnsw_m: int = field(default=32, metadata={"help": "HNSW graph degree."})
    hnsw_ef_construction: int = field(default=80, metadata={"help": "HNSW build beam width."})
    hnsw_ef_search: int = field(default=96, metadata={"help": "HNSW search beam width."})
    ivf_nlist: int = field(default=0, metadata={"help": "IVF lists; 0 = 4 * sqrt(vectors)."})
    ivf_nprobe: int = field(default=32, metadata={"help": "IVF lists visited per query."})
    pq_m: int = field(default=0, metadata={"help": "PQ sub-quantizers; 0 = dim // 8."})
    pq_refine: int = field(
        default=4, metadata={"help": "Re-rank k * this many PQ candidates exactly; 0 = off."}
    )
    use_gpu: bool | None = field(
        default=None, metadata={"help": "None: GPU when faiss has one (flat and ivfpq only)."}
    )
    rebuild_dead_fraction: float = field(
        default=0.2, metadata={"help": "Rebuild when this share of vectors is deleted rows."}
    )

    def __post_init__(self) -> None:
        if self.kind != "auto":
            INDEX_KINDS[self.kind]  # an unknown kind raises UnknownNameError
        INDEX_KINDS[self.ann_kind]
        for name in ("exact_threshold", "hnsw_m", "hnsw_ef_construction", "hnsw_ef_search"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("ivf_nlist", "ivf_nprobe", "pq_m", "pq_refine"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0.0 < self.rebuild_dead_fraction <= 1.0:
            raise ConfigError(
                f"rebuild_dead_fraction must be in (0, 1], got {self.rebuild_dead_fraction}"
            )

    def resolve_kind(self, n_vectors: int) -> str:
        """The index kind to build for `n_vectors` vectors."""
        if self.kind != "auto":
            return self.kind
        return "flat" if n_vectors < self.exact_threshold else self.ann_kind

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class IndexKind:
    """A registered FAISS index kind: how to create it and set its search-time parameters."""

    name: str = ""
    gpu_capable: bool = False

    def create(self, dim: int, n_vectors: int, config: IndexConfig) -> faiss.Index:
        """A new, empty (possibly untrained) index for `n_vectors` vectors of `dim` floats."""
        raise NotImplementedError

    def configure(self, index: faiss.Index, config: IndexConfig) -> None:
        """Apply search-time parameters to the inner index (after build or load)."""

    def exact_scores(self, config: IndexConfig) -> bool:
        """Whether this kind's scores are exact inner products (checked against the table)."""
        return True


INDEX_KINDS: Registry[IndexKind] = Registry("index kind")


def register_index(name: str) -> Callable[[type[IndexKind]], type[IndexKind]]:
    """Register an `IndexKind` subclass under `name` (one instance); a name taken twice raises."""

    def decorator(cls: type[IndexKind]) -> type[IndexKind]:
        cls.name = name
        INDEX_KINDS.add(name, cls())
        return cls

    return decorator


@register_index("flat")
class FlatIndex(IndexKind):
    """Exact inner-product search; the right choice up to tens of thousands of vectors."""

    gpu_capable = True

    def create(self, dim: int, n_vectors: int, config: IndexConfig) -> faiss.Index:
        return faiss.IndexFlatIP(dim)


@register_index("hnsw")
class HnswIndex(IndexKind):
    """HNSW graph over full vectors: sub-millisecond queries, high recall, more memory."""

    def create(self, dim: int, n_vectors: int, config: IndexConfig) -> faiss.Index:
        index = faiss.IndexHNSWFlat(dim, config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config.hnsw_ef_construction
        return index

    def configure(self, index: faiss.Index, config: IndexConfig) -> None:
        faiss.downcast_index(index).hnsw.efSearch = config.hnsw_ef_search


@register_index("ivfpq")
class IvfPqIndex(IndexKind):
    """IVF with product quantization (compact codes), optionally re-ranked exactly."""

    gpu_capable = True

    def create(self, dim: int, n_vectors: int, config: IndexConfig) -> faiss.Index:
        nlist = config.ivf_nlist or max(1, int(4 * math.sqrt(max(n_vectors, 1))))
        nlist = min(nlist, max(1, n_vectors // 39))  # faiss wants ~39 training points per list
        pq_m = config.pq_m or max(1, dim // 8)
        if dim % pq_m:
            raise ConfigError(f"pq_m={pq_m} must divide the vector dimension {dim}")
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFPQ(quantizer, dim, nlist, pq_m, 8, faiss.METRIC_INNER_PRODUCT)
        index.referenced_objects = [quantizer]
        if config.pq_refine:
            refined = faiss.IndexRefineFlat(index)
            refined.k_factor = float(config.pq_refine)
            refined.referenced_objects = [index]
            return refined
        return index

    def exact_scores(self, config: IndexConfig) -> bool:
        return config.pq_refine > 0  # re-ranked with full vectors

    def configure(self, index: faiss.Index, config: IndexConfig) -> None:
        index = faiss.downcast_index(index)
        if isinstance(index, faiss.IndexRefine):
            index.k_factor = float(config.pq_refine)
            index = faiss.downcast_index(index.base_index)
        faiss.extract_index_ivf(index).nprobe = config.ivf_nprobe


class VectorIndex:
    """A FAISS index keyed by row `seq`, with the bookkeeping needed to keep it in sync.

    Attributes:
        kind: The registered kind name.
        max_seq: The largest `seq` added so far (-1 when empty).
        table_version: The LanceDB table version the index reflects.
    """

    def __init__(
        self,
        index: faiss.Index,
        kind: str,
        config: IndexConfig,
        *,
        max_seq: int = -1,
        table_version: int = -1,
    ) -> None:
        """Wrap an `IndexIDMap` (CPU) around an index of a registered `kind`."""
        self.kind = kind
        self.config = config
        self.max_seq = max_seq
        self.table_version = table_version
        # keep the proxy we were given: it owns the C++ index (a downcast copy would not)
        INDEX_KINDS[kind].configure(faiss.downcast_index(index.index), config)
        self._index = self._maybe_to_gpu(index)

    @classmethod
    def build(
        cls, vectors: np.ndarray, seqs: np.ndarray, config: IndexConfig, *, dim: int
    ) -> VectorIndex:
        """Build the kind `config` picks for `len(vectors)` vectors, train it and fill it."""
        kind = config.resolve_kind(len(vectors))
        inner = INDEX_KINDS[kind].create(dim, len(vectors), config)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)  # (n, dim)
        if not inner.is_trained:
            if len(vectors) == 0:
                inner = INDEX_KINDS["flat"].create(dim, 0, config)
                kind = "flat"
            else:
                inner.train(vectors)
        id_map = faiss.IndexIDMap(inner)
        id_map.referenced_objects = [inner]
        index = cls(id_map, kind, config)
        index.add(vectors, seqs)
        return index

    @property
    def dim(self) -> int:
        return self._index.d

    @property
    def ntotal(self) -> int:
        return self._index.ntotal

    def add(self, vectors: np.ndarray, seqs: np.ndarray) -> None:
        """Add vectors `(n, dim)` under ids `seqs` `(n,)`."""
        if len(vectors) == 0:
            return
        self._index.add_with_ids(
            np.ascontiguousarray(vectors, dtype=np.float32),
            np.ascontiguousarray(seqs, dtype=np.int64),
        )
        self.max_seq = max(self.max_seq, int(np.max(seqs)))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` per query: `(scores, seqs)`, both `(n_queries, k)`; missing slots are -1."""
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        if self.ntotal == 0:
            shape = (len(queries), k)
            return np.zeros(shape, np.float32), np.full(shape, -1, np.int64)
        if len(queries) > 1:
            return self._index.search(queries, k)
        # one query: a parallel region costs a scheduler tick on a busy CPU; stay on one thread
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            return self._index.search(queries, k)
        finally:
            faiss.omp_set_num_threads(threads)

    def _maybe_to_gpu(self, index: faiss.Index) -> faiss.Index:
        wanted = self.config.use_gpu
        gpus = faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0
        if wanted is False or not INDEX_KINDS[self.kind].gpu_capable:
            return index
        if gpus == 0:
            if wanted:
                logger.warning("use_gpu=True but faiss sees no GPU; searching on the CPU")
            return index
        resources = faiss.StandardGpuResources()
        gpu_index = faiss.index_cpu_to_gpu(resources, 0, index)
        gpu_index.referenced_objects = [resources, index]
        return gpu_index

    def _cpu_index(self) -> faiss.Index:
        if hasattr(faiss, "index_gpu_to_cpu") and faiss.get_num_gpus() > 0:
            try:
                return faiss.index_gpu_to_cpu(self._index)
            except RuntimeError:  # already a CPU index
                return self._index
        return self._index

    def save(self, folder: Path) -> Path:
        """Write the index and its sidecar atomically (see `mnemonic.index_file`)."""
        from mnemonic.index_file import save_index

        return save_index(self, self._cpu_index(), Path(folder))

    @classmethod
    def load(cls, folder: Path, config: IndexConfig, *, dim: int) -> VectorIndex:
        """Load a saved index; `IndexLoadError` when missing, stale-format, corrupt or its
        checksum does not match (see `mnemonic.index_file`)."""
        from mnemonic.index_file import load_index

        loaded, sidecar = load_index(Path(folder), dim=dim)
        return cls(
            loaded,
            sidecar["kind"],
            config,
            max_seq=int(sidecar["max_seq"]),
            table_version=int(sidecar["table_version"]),
        )

    @property
    def exact_scores(self) -> bool:
        """Whether search scores are exact inner products (not PQ approximations)."""
        return INDEX_KINDS[self.kind].exact_scores(self.config)
