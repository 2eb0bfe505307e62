"""Hyperword where RAG applications live: LangChain and LlamaIndex (the outer layer).

- `hyperword.integrations.langchain` (`pip install 'hyperword[langchain]'`):
  `HyperwordRetriever` (a `BaseRetriever` over a `MnemonicStore`), `HyperwordCompressor`
  (a `BaseDocumentCompressor` spending a budget as the orchestrator does) and
  `HyperwordChatModel` (a `BaseChatModel` over an `Orchestrator`).
- `hyperword.integrations.llama_index` (`pip install 'hyperword[llama-index]'`):
  `HyperwordRetriever`, `HyperwordPostprocessor` (a node postprocessor doing the same) and
  `HyperwordLLM` (a `CustomLLM` over the base model), plus `qa_template()`.

The OpenAI-compatible service (`hyperword serve`) needs no integration: any OpenAI client
works with `base_url="http://HOST:PORT/v1"` (docs/integrations.md).
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, extra: str) -> ModuleType:
    """Import `module`, or raise `MissingPackageError` saying which extra installs it."""
    from hyperword.exceptions import MissingPackageError

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingPackageError(
            f"this integration needs {module.split('.')[0]} ({error}); "
            f"install it with: pip install 'hyperword[{extra}]'"
        ) from None
