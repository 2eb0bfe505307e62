"""LangChain integration (`pip install 'hyperword[langchain]'`, on `langchain-core`).

```python
from langchain_classic.retrievers import ContextualCompressionRetriever  # or your own chain
from hyperword.integrations.langchain import (
    HyperwordChatModel, HyperwordCompressor, HyperwordRetriever,
)

retriever = HyperwordRetriever(store=store, search_kwargs={"k": 8, "where": "doc_id = 'a'"})
compressor = HyperwordCompressor(compressor=TextCompressor(budget=256))  # text for any LLM
chat = HyperwordChatModel(orchestrator=orchestrator, options={"budget": 128})
```

See docs/integrations.md for chains that run.
"""

from __future__ import annotations

from hyperword.integrations import require

require("langchain_core", "langchain")

from hyperword.integrations.langchain.chat_model import HyperwordChatModel  # noqa: E402
from hyperword.integrations.langchain.compressor import HyperwordCompressor  # noqa: E402
from hyperword.integrations.langchain.retriever import HyperwordRetriever  # noqa: E402

__all__ = ["HyperwordChatModel", "HyperwordCompressor", "HyperwordRetriever"]
