"""The `orchestrated` eval method on a small multi-hop set in the HotpotQA layout."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from eval.exceptions import EvalError
from eval.methods.orchestrated import Orchestrated
from eval.runner import EvalConfig, run_eval
from tests.conftest import build_tiny_model
from tests.orchestrator.conftest import STEPPED, TinyEncoder

PARAGRAPHS = {
    "Velloran Glass Bridge": [
        "The Velloran Glass Bridge crosses the Quell River in the town of Brask.",
        "It was designed by Marisol Dutrane.",
    ],
    "Marisol Dutrane": [
        "Marisol Dutrane is an engineer born in the mountain village of Ostrel.",
        "She studied glasswork in Tallimar.",
    ],
    "Zephyrine tea": [
        "Zephyrine tea is brewed from the kopa shrub.",
        "Its first grower was Pell Amory.",
    ],
    "Pell Amory": ["Pell Amory was a farmer who kept a herd of blue goats near Lake Vint."],
    "Orvik Lantern Festival": [
        "The Orvik Lantern Festival is held in Tallimar every March.",
        "Its founder was the poet Ida Rusk.",
    ],
    "Ida Rusk": ["Ida Rusk wrote the long poem The Salt Crown in 1902."],
    "Saltbloom beetle": ["The saltbloom beetle lives on the salt flats of Ennor."],
    "Marrowfen Observatory": ["The Marrowfen Observatory stands on a hill above the marsh."],
}

QUESTIONS = [
    (
        "In which village was the designer of the Velloran Glass Bridge born?",
        "Ostrel",
        ["Velloran Glass Bridge", "Marisol Dutrane"],
    ),
    (
        "What animals did the first grower of Zephyrine tea keep?",
        "blue goats",
        ["Zephyrine tea", "Pell Amory"],
    ),
    (
        "Which poem did the founder of the Orvik Lantern Festival write?",
        "The Salt Crown",
        ["Orvik Lantern Festival", "Ida Rusk"],
    ),
]


def write_hotpot(path):
    """HotpotQA's official layout: gold paragraphs among the others, supporting facts."""
    records = []
    for i, (question, answer, gold) in enumerate(QUESTIONS):
        others = [t for t in PARAGRAPHS if t not in gold][: 4 + i]
        titles = [others[0], gold[0], *others[1:3], gold[1], *others[3:]]
        records.append(
            {
                "_id": f"q{i}",
                "question": question,
                "answer": answer,
                "type": "bridge",
                "level": "easy",
                "context": [[t, PARAGRAPHS[t]] for t in titles],
                "supporting_facts": [[gold[0], 1], [gold[1], 0]],
            }
        )
    path.write_text(json.dumps(records))
    return path


@pytest.fixture
def all_levels(monkeypatch, tiny_tokenizer):
    """The method with every level on: the tiny encoder and a tiny hyperword tokenizer."""
    from hyperword.tokenizer import HyperwordTokenizer

    model = build_tiny_model(len(tiny_tokenizer))
    texts = [" ".join(s) for s in PARAGRAPHS.values()] * 2
    hyperwords = HyperwordTokenizer.train(texts, tiny_tokenizer, num_hyperwords=32)
    monkeypatch.setattr(Orchestrated, "encoder", TinyEncoder(model, tiny_tokenizer))
    monkeypatch.setattr(Orchestrated, "hyperword_tokenizer", hyperwords)
    return model


def test_orchestrated_on_multi_hop_questions(all_levels, tiny_tokenizer, tmp_path):
    data = write_hotpot(tmp_path / "hotpot.json")
    config = EvalConfig(
        task="hotpotqa",
        data=str(data),
        methods=("orchestrated", "rag-text", "full"),
        budget=48,
        max_new_tokens=4,
    )
    result = run_eval(config, model=all_levels, tokenizer=tiny_tokenizer, progress=False)
    assert result.skipped == {}
    by_method = {s.method: s for s in result.summaries}
    assert by_method["orchestrated"].config["levels"] == ["text", "hyperword", "scene", "concept"]
    records = [r for r in result.records if r.method == "orchestrated"]
    assert len(records) == len(QUESTIONS)
    full = {r.example_id: r for r in result.records if r.method == "full"}
    for record in records:
        assert 0 < record.context_tokens <= 48
        assert record.prompt_tokens > record.context_tokens
        assert record.full_context_tokens == full[record.example_id].context_tokens
        details = record.details
        assert details["sources"] and {"doc_id", "level", "tokens"} <= set(details["sources"][0])
        assert sum(details["tokens_per_level"].values()) == record.context_tokens
        assert isinstance(details["gold_retrieved"], bool)
        assert details["sources"][0]["level"] == "text"  # the best chunk stays verbatim
    rag_sources = sum(len(r.details["sources"]) for r in result.records if r.method == "rag-text")
    # without an excerpt of the best chunk, a small budget holds more documents than
    # verbatim retrieval can
    stepped = replace(config, methods=("orchestrated",), method_options={"orchestrated": STEPPED})
    result = run_eval(stepped, model=all_levels, tokenizer=tiny_tokenizer, progress=False)
    assert sum(len(r.details["sources"]) for r in result.records) > rag_sources


def test_orchestrated_defaults_to_text_without_encoder_or_tokenizer(
    monkeypatch, tiny_tokenizer, tmp_path
):
    monkeypatch.setattr(Orchestrated, "encoder", None)
    monkeypatch.setattr(Orchestrated, "hyperword_tokenizer", None)
    config = EvalConfig(
        task="hotpotqa",
        data=str(write_hotpot(tmp_path / "hotpot.json")),
        methods=("orchestrated",),
        budget=64,
        limit=2,
        max_new_tokens=2,
    )
    model = build_tiny_model(len(tiny_tokenizer))
    result = run_eval(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    assert result.summaries[0].config["levels"] == ["text"]
    for record in result.records:
        assert record.context_tokens <= 64
        assert {s["level"] for s in record.details["sources"]} == {"text"}


def test_orchestrated_options_turn_levels_off_and_refuse_unknown_keys(
    all_levels, tiny_tokenizer, tmp_path
):
    data = str(write_hotpot(tmp_path / "hotpot.json"))
    options = {"orchestrated": {"encoder": "none", "hyperword_tokenizer": "None"}}
    config = EvalConfig(
        task="hotpotqa",
        data=data,
        methods=("orchestrated",),
        budget=48,
        limit=1,
        max_new_tokens=2,
        method_options=options,
    )
    result = run_eval(config, model=all_levels, tokenizer=tiny_tokenizer, progress=False)
    assert result.summaries[0].config["levels"] == ["text"]
    bad = EvalConfig(
        task="hotpotqa",
        data=data,
        methods=("orchestrated",),
        budget=48,
        limit=1,
        method_options={"orchestrated": {"encodr": "none"}},
    )
    with pytest.raises(EvalError, match="unknown orchestrated options: encodr"):
        run_eval(bad, model=all_levels, tokenizer=tiny_tokenizer, progress=False)


def test_an_encoder_folder_loads_once_per_process_with_its_feature_cache(
    monkeypatch, tiny_tokenizer
):
    """Benchmark cells that name the same encoder share one loaded encoder, whose frozen
    span features are cached (each chunk is encoded once across budgets and variants)."""
    import orchestrator.loading
    from eval.methods import orchestrated
    from tests.tiny_encoder import build_tiny_encoder

    loads = []

    def load(spec, **_):
        loads.append(spec)
        return None if spec is None else build_tiny_encoder(tiny_tokenizer)

    monkeypatch.setattr(orchestrator.loading, "resolve_encoder", load)
    monkeypatch.setattr(orchestrated, "_loaded_encoders", {})
    first = orchestrated._shared_encoder("runs/enc")
    assert orchestrated._shared_encoder("runs/enc") is first and loads == ["runs/enc"]
    assert first.feature_cache.max_spans == orchestrated.FEATURE_CACHE_SPANS
    assert orchestrated._shared_encoder("runs/other") is not first
    assert orchestrated._shared_encoder(None) is None and loads[-1] is None  # off, not kept
