"""LangChain and LlamaIndex over a store of the shipped sample corpus, with the real model.

    OMP_NUM_THREADS=2 python examples/integrations_demo.py [--model gemma-3-270m]
        [--budget 128] [-n 3]

Builds a temporary store of `hyperword/data/sample_corpus` at every level available (as
`hyperword demo` does), then answers the sample questions twice:

- LangChain: `HyperwordRetriever` -> `HyperwordCompressor` over the orchestrator (in a
  `ContextualCompressionRetriever`) -> `HyperwordChatModel` reading the planned documents at
  their levels;
- LlamaIndex: `RetrieverQueryEngine` with `HyperwordRetriever`, `HyperwordPostprocessor` over
  a `TextCompressor` (verbatim excerpts, as for any LLM) and `HyperwordLLM`.

Each answer is printed with its token report. Needs the `langchain` and `llama-index`
extras and `langchain-classic` (for `ContextualCompressionRetriever`).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any


def build(model_name: str, folder: Path, budget: int) -> Any:
    """The orchestrator over a new store of the sample corpus (every available level)."""
    from hyperword.levels import LevelParts
    from hyperword.models import load_base_model, load_embedder
    from hyperword.sample_data import sample_corpus_dir
    from mnemonic import HyperwordChunkEncoder, MnemonicStore, soft_chunk_encoders
    from orchestrator import Orchestrator
    from orchestrator.loading import resolve_encoder, resolve_hyperword_tokenizer

    model, tokenizer = load_base_model(model_name)
    encoder = resolve_encoder("auto", model=model, tokenizer=tokenizer)
    hyperwords = resolve_hyperword_tokenizer("auto", base_tokenizer=tokenizer, base_name=model_name)
    parts = LevelParts(model, tokenizer, hyperword_tokenizer=hyperwords, encoder=encoder)
    columns: list[Any] = [HyperwordChunkEncoder(hyperwords)] if hyperwords else []
    columns += soft_chunk_encoders(encoder) if parts.encoder is not None else []
    store = MnemonicStore(folder, embedder=load_embedder(), tokenizer=tokenizer, encoders=columns)
    store.ingest_paths([sample_corpus_dir()])
    return Orchestrator(
        store,
        model=model,
        base_tokenizer=tokenizer,
        encoder=encoder,
        tokenizer=hyperwords,
        budget=budget,
    )


def report_lines(report: dict[str, Any]) -> str:
    """An answer's report (`AnswerReport.to_dict()`) in three lines."""
    levels = ", ".join(f"{k} {v}" for k, v in report["tokens_per_level"].items() if v)
    sources = "; ".join(
        f"[{s['n']}] {s['doc_id']} {s['level']}{' (excerpt)' if s['excerpt'] else ''} "
        f"{s['tokens']} tok"
        for s in report["sources"]
    )
    return (
        f"  context {report['context_tokens']} of budget {report['budget']} ({levels}); "
        f"retrieved text in full {report['full_context_tokens']} "
        f"({report['compression_ratio']:.1f}x)\n  sources: {sources}\n"
        f"  prompt {report['prompt_tokens']} tokens, answer {report['new_tokens']}, "
        f"{report['total_seconds']:.2f} s"
    )


def langchain_run(orchestrator: Any, questions: list[Any], budget: int) -> None:
    from langchain_classic.retrievers import ContextualCompressionRetriever
    from langchain_core.runnables import RunnableLambda, RunnableParallel

    from hyperword.integrations.langchain import (
        HyperwordChatModel,
        HyperwordCompressor,
        HyperwordRetriever,
    )

    retriever = ContextualCompressionRetriever(
        base_compressor=HyperwordCompressor(compressor=orchestrator, options={"budget": budget}),
        base_retriever=HyperwordRetriever(store=orchestrator.store, search_kwargs={"k": 16}),
    )
    chat = HyperwordChatModel(orchestrator=orchestrator)
    chain = RunnableParallel(documents=retriever, question=lambda q: q) | RunnableLambda(
        lambda x: chat.invoke(x["question"], documents=x["documents"])
    )
    print(f"== LangChain (compression retriever -> chat model), budget {budget}")
    for item in questions:
        reply = chain.invoke(item.question)
        print(f"Q: {item.question}\nA: {reply.content}   (expected: {', '.join(item.answers)})")
        print(report_lines(reply.response_metadata["hyperword"]))


def llama_index_run(orchestrator: Any, questions: list[Any], budget: int) -> None:
    from llama_index.core.query_engine import RetrieverQueryEngine

    from hyperword.integrations.llama_index import (
        HyperwordLLM,
        HyperwordPostprocessor,
        HyperwordRetriever,
        qa_template,
    )
    from orchestrator import TextCompressor

    compressor = TextCompressor(
        tokenizer=orchestrator.base_tokenizer, embedder=orchestrator.store.embedder, budget=budget
    )
    llm = HyperwordLLM.from_orchestrator(orchestrator, max_new_tokens=32)
    engine = RetrieverQueryEngine.from_args(
        HyperwordRetriever(orchestrator.store, search_kwargs={"k": 16}),
        llm=llm,
        node_postprocessors=[HyperwordPostprocessor(compressor=compressor)],
        text_qa_template=qa_template(),
    )
    print(f"== LlamaIndex (query engine, text excerpts for any LLM), budget {budget}")
    for item in questions:
        response = engine.query(item.question)
        nodes = response.source_nodes
        tokens = sum(n.node.metadata["context_tokens"] for n in nodes)
        print(f"Q: {item.question}\nA: {response.response}   (expected: {', '.join(item.answers)})")
        sources = "; ".join(
            f"{n.node.metadata['doc_id']} {n.node.metadata['context_tokens']} tok"
            f"{' (excerpt)' if n.node.metadata['excerpt'] else ''} score {n.score:.2f}"
            for n in nodes
        )
        print(f"  context {tokens} of budget {budget} tokens\n  sources: {sources}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="gemma-3-270m")
    parser.add_argument("--budget", type=int, default=128)
    parser.add_argument("-n", type=int, default=3, help="sample questions")
    args = parser.parse_args()
    from hyperword.sample_data import sample_questions

    questions = sample_questions()[: args.n]
    with tempfile.TemporaryDirectory(prefix="hyperword-integrations-") as folder:
        orchestrator = build(args.model, Path(folder) / "store", args.budget)
        print(f"levels: {list(orchestrator.levels)}")
        langchain_run(orchestrator, questions, args.budget)
        llama_index_run(orchestrator, questions, args.budget)
        orchestrator.store.close()


if __name__ == "__main__":
    main()
