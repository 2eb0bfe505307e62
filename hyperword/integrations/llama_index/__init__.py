"""LlamaIndex integration (`pip install 'hyperword[llama-index]'`, on `llama-index-core`).

```python
from llama_index.core.query_engine import RetrieverQueryEngine
from hyperword.integrations.llama_index import (
    HyperwordLLM, HyperwordPostprocessor, HyperwordQueryEngine, HyperwordRetriever, qa_template,
)

engine = RetrieverQueryEngine.from_args(            # any LLM reads verbatim excerpts
    HyperwordRetriever(store, search_kwargs={"k": 8}),
    llm=HyperwordLLM.from_orchestrator(orchestrator),
    node_postprocessors=[HyperwordPostprocessor(compressor=TextCompressor(budget=256))],
    text_qa_template=qa_template(),
)
engine = HyperwordQueryEngine(orchestrator=orchestrator)  # our model reads every level
```

A vector-store adapter is not offered: a `MnemonicStore` embeds with its own embedder and
keeps its own index, while LlamaIndex vector stores take the embeddings LlamaIndex computed;
`HyperwordRetriever` is the way in. See docs/integrations.md.
"""

from __future__ import annotations

from hyperword.integrations import require

require("llama_index.core", "llama-index")

from hyperword.integrations.llama_index.llm import HyperwordLLM, qa_template  # noqa: E402
from hyperword.integrations.llama_index.postprocessor import HyperwordPostprocessor  # noqa: E402
from hyperword.integrations.llama_index.query_engine import HyperwordQueryEngine  # noqa: E402
from hyperword.integrations.llama_index.retriever import HyperwordRetriever  # noqa: E402

__all__ = [
    "HyperwordLLM",
    "HyperwordPostprocessor",
    "HyperwordQueryEngine",
    "HyperwordRetriever",
    "qa_template",
]
