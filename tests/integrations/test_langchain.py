"""The LangChain integration with the real `langchain-core` (and `langchain-classic`'s
ContextualCompressionRetriever): a retriever over a generated store, the compressor, the chat
model over the orchestrator with the tiny test model, and a chain that runs them."""

from __future__ import annotations

import pytest

pytest.importorskip("langchain_core")

from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnableParallel

from hyperword.integrations.langchain import (
    HyperwordChatModel,
    HyperwordCompressor,
    HyperwordRetriever,
)
from orchestrator import OptionError
from tests.orchestrator.conftest import FACTS, STEPPED

QUESTION = "Who designed the Velloran Glass Bridge?"


def test_retriever_documents_carry_where_they_come_from(store):
    retriever = HyperwordRetriever(store=store, search_kwargs={"k": 3})
    documents = retriever.invoke(QUESTION)
    assert len(documents) == 3 and documents[0].page_content in FACTS["bridge"]
    metadata = documents[0].metadata
    assert metadata["doc_id"] == "bridge" and metadata["level"] == "text"
    assert metadata["chunk_index"] in (0, 1) and 0 < metadata["score"] <= 1
    assert metadata["chunk_id"]
    scores = [d.metadata["score"] for d in documents]
    assert scores == sorted(scores, reverse=True)
    filtered = retriever.invoke(QUESTION, where="doc_id = 'tea'")
    assert {d.metadata["doc_id"] for d in filtered} == {"tea"}
    fixed = HyperwordRetriever(store=store, search_kwargs={"k": 5, "where": "doc_id = 'beetle'"})
    assert {d.metadata["doc_id"] for d in fixed.invoke(QUESTION)} == {"beetle"}


def test_retriever_passes_search_options_through_unchanged():
    calls = []

    class Store:  # records what the retriever asks for; a later store option needs no change
        def search(self, query, **options):
            calls.append((query, options))
            return []

    retriever = HyperwordRetriever(store=Store(), search_kwargs={"k": 2, "mode": "hybrid"})
    retriever.invoke("q", where="doc_id = 'a'")
    assert calls == [("q", {"k": 2, "mode": "hybrid", "where": "doc_id = 'a'"})]


def test_compression_retriever_stays_within_the_budget(store, text_compressor):
    from langchain_classic.retrievers import ContextualCompressionRetriever

    retriever = ContextualCompressionRetriever(
        base_compressor=HyperwordCompressor(compressor=text_compressor, options={"budget": 40}),
        base_retriever=HyperwordRetriever(store=store, search_kwargs={"k": 6}),
    )
    documents = retriever.invoke(QUESTION)
    assert documents and documents[0].metadata["doc_id"] == "bridge"
    assert sum(d.metadata["context_tokens"] for d in documents) <= 40
    for document in documents:
        assert document.metadata["level"] == "text" and "hyperword_source" not in document.metadata
        assert (
            document.page_content in FACTS[document.metadata["doc_id"]]
            or document.metadata["excerpt"]
        )


def test_compressor_cuts_a_document_to_its_sentences_nearest_the_question(text_compressor):
    documents = [Document(page_content=text, metadata={"doc_id": k}) for k, text in FACTS.items()]
    compressor = HyperwordCompressor(compressor=text_compressor, options={"budget": 40})
    compressed = compressor.compress_documents(
        documents, "Who designed the bridge that opened in 1911?"
    )
    first = compressed[0]
    assert first.metadata["doc_id"] == "bridge" and first.metadata["excerpt"]
    assert first.page_content == "It was designed by Marisol Dutrane and opened in 1911."
    assert sum(d.metadata["context_tokens"] for d in compressed) <= 40


def test_compressor_for_our_model_plans_denser_levels(orchestrator):
    documents = [Document(page_content=text, metadata={"doc_id": k}) for k, text in FACTS.items()]
    options = {"budget": 40, "policy_options": STEPPED}
    compressor = HyperwordCompressor(compressor=orchestrator, options=options)
    compressed = compressor.compress_documents(documents, QUESTION)
    levels = [d.metadata["level"] for d in compressed]
    assert compressed[0].metadata["doc_id"] == "bridge"
    assert set(levels) & {"hyperword", "scene", "concept"}  # denser than text
    assert sum(d.metadata["context_tokens"] for d in compressed) <= 40
    soft = [d for d in compressed if d.metadata["level"] in ("scene", "concept")]
    assert all(d.page_content in FACTS.values() for d in soft)  # the text they stand for


def test_the_rest_of_an_excerpt_travels_as_a_document_and_is_read_at_its_level(orchestrator):
    documents = [Document(page_content=text, metadata={"doc_id": k}) for k, text in FACTS.items()]
    options = {"budget": 40, "levels": ["text", "scene", "concept"]}
    compressed = HyperwordCompressor(compressor=orchestrator, options=options).compress_documents(
        documents, QUESTION
    )
    meta = [(d.metadata["doc_id"], d.metadata["level"], d.metadata["rest"]) for d in compressed]
    assert meta == [("bridge", "text", False), ("bridge", "scene", True)]
    assert compressed[1].page_content not in compressed[0].page_content  # the sentences left out
    reply = HyperwordChatModel(orchestrator=orchestrator).invoke(QUESTION, documents=compressed)
    report = reply.response_metadata["hyperword"]
    assert [s["rest"] for s in report["sources"]] == [False, True]
    planned = orchestrator.compress(QUESTION, documents=documents, **options)
    assert reply.content == orchestrator.ask(QUESTION, context=planned).text  # read as planned


def test_a_chain_reads_the_compressed_documents_at_their_levels(orchestrator, store):
    from langchain_classic.retrievers import ContextualCompressionRetriever

    chat = HyperwordChatModel(orchestrator=orchestrator)
    retriever = ContextualCompressionRetriever(
        base_compressor=HyperwordCompressor(
            compressor=orchestrator, options={"budget": 40, "policy_options": STEPPED}
        ),
        base_retriever=HyperwordRetriever(store=store, search_kwargs={"k": 6}),
    )
    chain = RunnableParallel(documents=retriever, question=lambda q: q) | RunnableLambda(
        lambda x: chat.invoke(x["question"], documents=x["documents"])
    )
    reply = chain.invoke(QUESTION)
    report = reply.response_metadata["hyperword"]
    assert isinstance(reply, AIMessage) and isinstance(reply.content, str)
    assert report["sources"][0]["doc_id"] == "bridge" and report["context_tokens"] <= 40
    assert {s["level"] for s in report["sources"]} & {"hyperword", "scene", "concept"}
    direct = orchestrator.ask(QUESTION, budget=40, policy_options=STEPPED)  # the same plan
    assert [s["level"] for s in report["sources"]] == [s.level for s in direct.report.sources]
    assert reply.content == direct.text
    assert reply.usage_metadata["output_tokens"] == report["new_tokens"]


def test_chat_model_in_a_prompt_chain_with_history_and_streaming(orchestrator):
    chat = HyperwordChatModel(orchestrator=orchestrator, options={"budget": 200})
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer briefly."), ("placeholder", "{history}"), ("human", "{question}")]
    )
    history = [HumanMessage("Tell me about the Velloran Glass Bridge."), AIMessage("It is long.")]
    reply = (prompt | chat).invoke({"history": history, "question": "Who designed it?"})
    report = reply.response_metadata["hyperword"]
    assert report["history_messages"] == 3 and report["tokens_per_level"]["history"] > 0
    assert report["sources"][0]["doc_id"] == "bridge"
    messages = [SystemMessage("Answer briefly."), *history, HumanMessage("Who designed it?")]
    pieces = list(chat.stream(messages))
    assert "".join(p.content for p in pieces) == reply.content
    merged = sum(pieces[1:], pieces[0])
    assert merged.response_metadata["hyperword"]["history_messages"] == 3
    assert merged.usage_metadata["output_tokens"] == reply.usage_metadata["output_tokens"]


def test_chat_model_errors_are_clear(orchestrator):
    chat = HyperwordChatModel(orchestrator=orchestrator)
    with pytest.raises(OptionError, match="last user message is empty"):
        chat.invoke([HumanMessage("Q?"), HumanMessage(" ")])
    with pytest.raises(OptionError, match="HyperwordCompressor"):
        chat.invoke(QUESTION, documents=[Document(page_content="x")])
    stopped = chat.invoke(QUESTION, stop=["e"], max_new_tokens=8)
    assert "e" not in stopped.content
