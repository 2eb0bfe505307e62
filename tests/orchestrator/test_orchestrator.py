"""`Orchestrator.ask` end to end: a real on-disk store, the tiny model, the tiny encoder."""

from __future__ import annotations

import dataclasses
import threading

import numpy as np
import pytest

from mnemonic import MnemonicStore
from orchestrator import OptionError, Orchestrator, OrchestratorError
from orchestrator.candidates import cost_candidates
from tests.orchestrator.conftest import FACTS, SMALL_CHUNKS, TinyEncoder

QUESTION = "Who designed the Velloran Glass Bridge?"


def check_report(answer, budget):
    report = answer.report
    assert report.context_tokens <= budget
    assert report.context_tokens == sum(report.tokens_per_level.values())
    assert report.context_tokens == sum(s.tokens for s in report.sources)
    assert report.prompt_tokens > report.context_tokens
    assert report.retrieved == len(report.sources) + report.dropped
    assert report.full_context_tokens >= sum(s.text_tokens for s in report.sources)
    assert report.compression_ratio == pytest.approx(
        report.full_context_tokens / report.context_tokens
    )
    assert 0 < report.prefill_seconds <= report.generation_seconds <= report.total_seconds
    assert report.kv_cache_bytes > 0 and report.peak_memory_bytes > 0
    assert [s.n for s in report.sources] == list(range(1, len(report.sources) + 1))
    scores = [s.score for s in report.sources]
    assert scores == sorted(scores, reverse=True)  # most relevant first


@pytest.mark.parametrize("budget", [16, 48, 128, 512])
def test_ask_stays_within_budget_at_every_size(orchestrator, budget):
    answer = orchestrator.ask(QUESTION, budget=budget)
    check_report(answer, budget)
    assert answer.report.sources, "something fits even a small budget"
    assert answer.report.sources[0].doc_id == "bridge"


def test_small_budgets_use_soft_levels_large_ones_text(orchestrator):
    small = orchestrator.ask(QUESTION, budget=24).report  # under excerpt_min: stepped down
    large = orchestrator.ask(QUESTION, budget=512).report
    assert {s.level for s in small.sources} & {"scene", "concept"}
    assert large.sources[0].level == "text"
    assert len(small.sources) >= 2


def test_levels_option_restricts_the_ladder(orchestrator):
    report = orchestrator.ask(QUESTION, budget=64, levels=["concept"]).report
    assert {s.level for s in report.sources} == {"concept"}
    assert report.tokens_per_level["concept"] > 0
    assert set(report.tokens_per_level) == {"concept", "markers"}


def test_without_encoder_or_tokenizer_only_text(store, model, base_tokenizer):
    orchestrator = Orchestrator(store, model=model, base_tokenizer=base_tokenizer)
    assert orchestrator.levels == ("text",)
    answer = orchestrator.ask(QUESTION, budget=64, max_new_tokens=3)
    check_report(answer, 64)
    assert {s.level for s in answer.report.sources} == {"text"}
    with pytest.raises(OptionError, match="scene: no encoder loaded"):
        orchestrator.ask(QUESTION, levels=["scene"])


def test_generation_uses_the_encoders_decoder(store, base_tokenizer, encoder):
    orchestrator = Orchestrator(store, encoder=encoder)
    assert orchestrator.model is encoder.model
    assert orchestrator.base_tokenizer is base_tokenizer  # taken from the encoder


def test_threshold_leaves_out_unrelated_chunks_and_closed_book_works(orchestrator):
    report = orchestrator.ask(QUESTION, policy_options={"min_score": 0.99}).report
    assert report.sources == () and report.context_tokens == 0
    assert report.dropped == report.retrieved > 0
    assert report.compression_ratio == 0.0


def test_where_filter_and_k(orchestrator):
    report = orchestrator.ask(
        QUESTION, where="doc_id = 'tea'", k=2, budget=512, policy_options={"min_score": -1.0}
    ).report
    assert report.retrieved <= 2
    assert {s.doc_id for s in report.sources} == {"tea"}


def test_stream_yields_the_answer_text(orchestrator):
    stream = orchestrator.stream(QUESTION, max_new_tokens=6, stop_at_newline=False)
    pieces = list(stream)
    assert stream.answer is not None
    assert "".join(pieces).strip() == stream.answer.text
    assert stream.answer.report.new_tokens <= 6


def test_sampling_is_reproducible_with_a_seed(orchestrator):
    options = {"temperature": 1.0, "top_p": 0.9, "seed": 7, "max_new_tokens": 8}
    first = orchestrator.ask(QUESTION, **options, stop_at_newline=False).text
    second = orchestrator.ask(QUESTION, **options, stop_at_newline=False).text
    assert first == second
    greedy = orchestrator.ask(QUESTION, max_new_tokens=8, stop_at_newline=False).text
    assert greedy == orchestrator.ask(QUESTION, max_new_tokens=8, stop_at_newline=False).text


def test_bad_options_raise_clear_errors(orchestrator):
    with pytest.raises(OptionError, match="unknown option"):
        orchestrator.ask(QUESTION, colour="red")
    with pytest.raises(OptionError, match="budget"):
        orchestrator.ask(QUESTION, budget=0)
    with pytest.raises(OptionError, match="temperature"):
        orchestrator.ask(QUESTION, temperature=-1)
    with pytest.raises(OptionError, match="empty"):
        orchestrator.ask("   ")
    with pytest.raises(OptionError, match="levels"):
        orchestrator.ask(QUESTION, levels=["paragraph"])
    with pytest.raises(OptionError, match="unknown prompt template"):
        orchestrator.ask(QUESTION, template="no-such-template")
    with pytest.raises(OptionError, match="at most 4000"):
        orchestrator.ask("why? " * 1000)
    with pytest.raises(OptionError, match="lone surrogate"):
        orchestrator.ask("Who designed the bridge\ud800?")
    with pytest.raises(OptionError, match="seed"):
        orchestrator.ask(QUESTION, temperature=0.5, seed=2**64)
    with pytest.raises(OptionError, match="min_score"):
        orchestrator.ask(QUESTION, policy_options={"min_score": float("nan")})
    with pytest.raises(OptionError, match="';' ends the predicate"):
        orchestrator.ask(QUESTION, where="1=1; drop table chunks")


def test_a_budget_past_the_models_positions_is_refused_with_the_largest_that_fits(orchestrator):
    assert orchestrator.max_positions == 2048  # the tiny model's config
    with pytest.raises(OptionError, match="max_position_embeddings") as caught:
        orchestrator.ask(QUESTION, budget=4096)
    largest = int(str(caught.value).rsplit("at most ", 1)[1])
    assert 1000 < largest < 2048 - 32  # less the prompt and max_new_tokens (32)
    check_report(orchestrator.ask(QUESTION, budget=largest, max_new_tokens=2), largest)
    with pytest.raises(OptionError, match="max_position_embeddings"):
        orchestrator.ask(QUESTION, budget=largest + 1)
    with pytest.raises(OptionError, match="max_position_embeddings"):
        Orchestrator(
            orchestrator.store,
            model=orchestrator.model,
            base_tokenizer=orchestrator.base_tokenizer,
            budget=5000,
        )


def test_orchestrator_needs_a_tokenizer_with_a_loaded_model(store, model):
    with pytest.raises(OrchestratorError, match="base_tokenizer"):
        Orchestrator(store, model=model)


def test_answer_serializes(orchestrator):
    import json

    data = orchestrator.ask(QUESTION).to_dict()
    assert json.loads(json.dumps(data))["report"]["sources"][0]["doc_id"] == "bridge"
    assert "compression_ratio" in data["report"]


def test_concurrent_asks_share_the_model_safely(orchestrator):
    results, errors = [], []

    def worker():
        try:
            results.append(orchestrator.ask(QUESTION, budget=64).text)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1  # greedy: every answer the same


# -- stored levels ----------------------------------------------------------------------


@dataclasses.dataclass
class StoredEncoder:
    """A mnemonic chunk encoder filling one level's column at ingest."""

    level: str
    id: str
    version: str
    fn: object

    def encode(self, texts):
        return [self.fn(text) for text in texts]


def make_store(tmp_path, embedder, base_tokenizer, encoders, name="stored"):
    store = MnemonicStore(
        tmp_path / name,
        embedder=embedder,
        tokenizer=base_tokenizer,
        chunking=SMALL_CHUNKS,
        encoders=encoders,
    )
    store.add_documents([{"doc_id": k, "text": v} for k, v in FACTS.items()])
    return store


def test_stored_soft_vectors_are_used_when_the_encoder_matches(
    tmp_path, embedder, model, base_tokenizer
):
    encoder = TinyEncoder(model, base_tokenizer)

    def scene(text):
        return encoder.encode([text], level="scene")[0].numpy().astype(np.float16)

    store = make_store(
        tmp_path, embedder, base_tokenizer, [StoredEncoder("scene", encoder.id, "1", scene)]
    )
    encoder.calls = 0
    orchestrator = Orchestrator(store, model=model, base_tokenizer=base_tokenizer, encoder=encoder)
    report = orchestrator.ask(QUESTION, levels=["scene"], budget=64, max_new_tokens=2).report
    assert report.sources and encoder.calls == 0  # every scene came from the store

    other = TinyEncoder(model, base_tokenizer)
    other.version = "2"  # a retrained encoder: stored vectors no longer apply
    orchestrator = Orchestrator(store, model=model, base_tokenizer=base_tokenizer, encoder=other)
    report = orchestrator.ask(QUESTION, levels=["scene"], budget=64, max_new_tokens=2).report
    assert report.sources and other.calls == len(report.sources)


def test_stored_hyperword_ids_come_with_the_search_and_are_checked_before_use(
    tmp_path, embedder, model, base_tokenizer, hyperword_tokenizer
):
    good = StoredEncoder("hyperword", "hw", "1", hyperword_tokenizer.encode)
    store = make_store(tmp_path, embedder, base_tokenizer, [good])
    orchestrator = Orchestrator(
        store, model=model, base_tokenizer=base_tokenizer, tokenizer=hyperword_tokenizer
    )
    hits = store.search(QUESTION, k=4, levels=["hyperword"])
    assert all(h.stored["hyperword"] for h in hits)
    found = [(hit, 1) for hit in hits]
    parts = orchestrator.parts
    candidates = cost_candidates(found, levels=("hyperword",), parts=parts, marker=0)
    assert [c.values["hyperword"] for c in candidates] == [h.stored["hyperword"] for h in hits]

    wrong = [(dataclasses.replace(h, stored={"hyperword": [1, 2, 3]}), 1) for h in hits]
    candidates = cost_candidates(wrong, levels=("hyperword",), parts=parts, marker=0)
    for candidate in candidates:  # ids of some other tokenizer: encoded afresh
        assert hyperword_tokenizer.expand(candidate.values["hyperword"]) == list(candidate.base_ids)


def test_the_question_is_embedded_once_per_ask(orchestrator, monkeypatch):
    calls = []
    embed = orchestrator.store.embed
    monkeypatch.setattr(
        orchestrator.store, "embed", lambda texts: calls.append(texts) or embed(texts)
    )
    orchestrator.ask(QUESTION, budget=16, hops=2, max_new_tokens=2)
    assert sum(texts == [QUESTION] for texts in calls) == 1


def test_the_real_encoder_class_plugs_in(store, model, base_tokenizer):
    """`hyperword.encoder.HyperwordEncoder` (untrained, on the tiny model) as the encoder."""
    encoder_module = pytest.importorskip("hyperword.encoder")
    config = encoder_module.EncoderConfig(
        base_model="tiny", d_model=32, feature_layer=1, projector_hidden=16
    )
    encoder = encoder_module.HyperwordEncoder(config, model, base_tokenizer)
    orchestrator = Orchestrator(store, encoder=encoder)
    assert orchestrator.levels == ("text", "scene", "concept")
    assert orchestrator.model is encoder.model  # the decoder (base + LoRA) generates
    assert orchestrator.template.name == config.template  # the template it was trained with
    report = orchestrator.ask(QUESTION, budget=24, max_new_tokens=2).report
    assert report.sources and {s.level for s in report.sources} <= {"scene", "concept"}
    check_report(orchestrator.ask(QUESTION, budget=24, max_new_tokens=2), 24)
