"""The LlamaIndex integration with the real `llama-index-core`: a retriever over a generated
store, the node postprocessor, a query engine answering with the tiny test model, and our
model reading planned nodes at their levels."""

from __future__ import annotations

import pytest

pytest.importorskip("llama_index.core")

from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import MetadataMode, NodeWithScore, QueryBundle, TextNode

from hyperword.integrations.llama_index import (
    HyperwordLLM,
    HyperwordPostprocessor,
    HyperwordQueryEngine,
    HyperwordRetriever,
    qa_template,
)
from tests.orchestrator.conftest import FACTS, STEPPED

QUESTION = "Who designed the Velloran Glass Bridge?"


def test_retriever_nodes_carry_where_they_come_from(store):
    nodes = HyperwordRetriever(store, search_kwargs={"k": 3}).retrieve(QUESTION)
    assert len(nodes) == 3 and nodes[0].node.metadata["doc_id"] == "bridge"
    assert nodes[0].score == nodes[0].node.metadata["score"] > 0
    assert nodes[0].node.metadata["level"] == "text"
    assert nodes[0].node.get_content(MetadataMode.LLM) == nodes[0].node.text  # no metadata
    only_tea = HyperwordRetriever(store, search_kwargs={"k": 5, "where": "doc_id = 'tea'"})
    assert {n.node.metadata["doc_id"] for n in only_tea.retrieve(QUESTION)} == {"tea"}


def test_postprocessor_keeps_excerpts_within_the_budget(text_compressor):
    nodes = [
        NodeWithScore(node=TextNode(text=text, metadata={"doc_id": key}), score=0.0)
        for key, text in FACTS.items()
    ]
    postprocessor = HyperwordPostprocessor(compressor=text_compressor, options={"budget": 40})
    question = "Who designed the bridge that opened in 1911?"
    kept = postprocessor.postprocess_nodes(nodes, query_str=question)
    first = kept[0].node
    assert first.metadata["doc_id"] == "bridge" and first.metadata["excerpt"]
    assert first.text == "It was designed by Marisol Dutrane and opened in 1911."
    assert sum(n.node.metadata["context_tokens"] for n in kept) <= 40
    assert [n.score for n in kept] == sorted((n.score for n in kept), reverse=True)


def test_a_query_engine_answers_with_the_tiny_model(store, model, base_tokenizer, text_compressor):
    # LlamaIndex sizes prompts with its own token counter; the tiny model's 512 positions
    # leave its arithmetic no room, though these prompts are far shorter
    llm = HyperwordLLM(model=model, tokenizer=base_tokenizer, max_new_tokens=4, context_window=4096)
    engine = RetrieverQueryEngine.from_args(
        HyperwordRetriever(store, search_kwargs={"k": 6}),
        llm=llm,
        node_postprocessors=[
            HyperwordPostprocessor(compressor=text_compressor, options={"budget": 64})
        ],
        text_qa_template=qa_template(),
    )
    response = engine.query(QUESTION)
    assert isinstance(response.response, str)
    assert response.source_nodes[0].node.metadata["doc_id"] == "bridge"
    assert sum(n.node.metadata["context_tokens"] for n in response.source_nodes) <= 64
    context = "\n\n".join(n.node.get_content(MetadataMode.LLM) for n in response.source_nodes)
    prompt = qa_template().format(context_str=context, query_str=QUESTION)
    assert llm.complete(prompt).text == response.response.strip()  # the model's own answer
    streamed = "".join(r.delta for r in llm.stream_complete(prompt))
    assert streamed == llm.complete(prompt).text


def test_our_model_reads_the_planned_nodes_at_their_levels(orchestrator):
    options = {"budget": 40, "policy_options": STEPPED}
    engine = HyperwordQueryEngine(orchestrator=orchestrator, options=options)
    response = engine.query(QUESTION)
    report = response.metadata["hyperword"]
    levels = [n.node.metadata["level"] for n in response.source_nodes]
    assert set(levels) & {"hyperword", "scene", "concept"}
    assert report["context_tokens"] <= 40 and report["budget"] == 40
    assert [s["level"] for s in report["sources"]] == levels
    direct = orchestrator.ask(QUESTION, budget=40, policy_options=STEPPED)
    assert response.response == direct.text
    assert levels == [s.level for s in direct.report.sources]


def test_postprocessor_needs_the_query(text_compressor):
    from orchestrator import OptionError

    postprocessor = HyperwordPostprocessor(compressor=text_compressor)
    with pytest.raises(OptionError, match="needs the query"):
        postprocessor.postprocess_nodes([], query_bundle=None)
    assert postprocessor.postprocess_nodes([], query_bundle=QueryBundle(QUESTION)) == []
