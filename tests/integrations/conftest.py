"""The orchestrator's fixtures (a real store of invented facts, the tiny model and encoder)."""

from __future__ import annotations

import pytest

from tests.orchestrator import conftest as orchestrator_fixtures

base_tokenizer = orchestrator_fixtures.base_tokenizer
embedder = orchestrator_fixtures.embedder
encoder = orchestrator_fixtures.encoder
hyperword_tokenizer = orchestrator_fixtures.hyperword_tokenizer
model = orchestrator_fixtures.model
store = orchestrator_fixtures.store
orchestrator = orchestrator_fixtures.orchestrator


@pytest.fixture
def text_compressor(base_tokenizer, embedder):
    """Verbatim excerpts for any LLM, counted with the tiny tokenizer."""
    from orchestrator import TextCompressor

    return TextCompressor(tokenizer=base_tokenizer, embedder=embedder)
