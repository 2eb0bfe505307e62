"""Encoder training on the tiny model: the loss falls, runs resume exactly, configs are checked."""

from __future__ import annotations

import gzip
import json
import random

import pytest
import torch
from click.testing import CliRunner

from adapters.encoder_batches import (
    QaPool,
    Sample,
    batch_loss,
    draw_sample,
    target_logits,
)
from adapters.encoder_config import EncoderTrainingConfig
from adapters.encoder_curve import plot_curve
from adapters.encoder_data import read_nq_items, read_squad_items, split_articles
from adapters.encoder_eval import QaEvaluator, heldout_loss
from adapters.encoder_loss import distillation_loss, step_loss
from adapters.encoder_prompts import PromptBuilder
from adapters.encoder_trainer import lr_scale, train_encoder
from adapters.exceptions import TrainingConfigError, TrainingDataError
from hyperword.cli import cli
from hyperword.encoder import HyperwordEncoder
from hyperword.encoder.config import ATTENTION_PROJECTIONS, MLP_PROJECTIONS
from tests.conftest import build_tiny_model
from tests.tiny_encoder import TINY_ENCODER_OPTIONS, build_tiny_encoder

FACTS = [
    (
        "The Velloran Glass Bridge crosses the Quell River in the town of Brask.",
        "Which river does the bridge cross?",
        "the Quell River",
    ),
    (
        "Zephyrine tea is brewed from the dried leaves of the kopa shrub.",
        "What is Zephyrine tea brewed from?",
        "kopa shrub",
    ),
    (
        "The festival is held in the harbour city of Tallimar every March.",
        "When is the festival held?",
        "every March",
    ),
]


def write_squad(path, n_articles: int = 3):
    data = {
        "data": [
            {
                "title": f"Article {a}",
                "paragraphs": [
                    {
                        "context": context,
                        "qas": [{"id": f"{a}-{i}", "question": q, "answers": [{"text": ans}]}],
                    }
                    for i, (context, q, ans) in enumerate(FACTS)
                ],
            }
            for a in range(n_articles)
        ]
    }
    with gzip.open(path, "wt") as handle:
        json.dump(data, handle)
    return path


def train_tiny(config: EncoderTrainingConfig, tokenizer):
    """`train_encoder` on a fresh tiny model, quietly."""
    return train_encoder(
        config, model=build_tiny_model(len(tokenizer)), tokenizer=tokenizer, progress=False
    )


def tiny_config(tmp_path, **overrides) -> EncoderTrainingConfig:
    tmp_path.mkdir(parents=True, exist_ok=True)
    options = dict(
        output_dir=str(tmp_path / "run"),
        squad=str(write_squad(tmp_path / "squad.json.gz")),
        heldout_articles=1,
        base_model="tiny-llama",
        encoder=TINY_ENCODER_OPTIONS,
        steps=4,
        batch_size=2,
        save_every=2,
        log_every=1,
        max_context_tokens=48,
        max_target_tokens=8,
        threads=1,
    )
    options.update(overrides)
    return EncoderTrainingConfig(**options)


def test_one_training_step_lowers_the_loss(tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer)
    encoder.train()
    contexts = PromptBuilder(encoder, "qa-bare")
    ids = tiny_tokenizer(FACTS[0][0], add_special_tokens=False).input_ids
    target = tiny_tokenizer(" the Quell River\n", add_special_tokens=False).input_ids
    sample = Sample("scene", "qa", tuple(ids), tuple(target), FACTS[0][1])
    params = [p for p in encoder.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-2)

    def loss() -> torch.Tensor:
        return batch_loss(encoder.model, contexts.prompt_rows([sample]), [list(target)])

    before = loss()
    before.backward()
    optimizer.step()
    after = loss()
    assert after.item() < before.item()
    lora_grads = [p.grad for n, p in encoder.model.named_parameters() if "lora_" in n]
    assert lora_grads and all(g is not None for g in lora_grads)
    assert encoder.projectors["scene"].gain.grad is not None


def test_batch_loss_ignores_left_padding(tiny_tokenizer):
    model = build_tiny_model(len(tiny_tokenizer))
    embed = model.get_input_embeddings()
    short, long = embed(torch.tensor([1, 5, 6])), embed(torch.tensor([1, 7, 8, 9, 10, 11]))
    alone = batch_loss(model, [short], [[12, 13]])
    together = batch_loss(model, [short, long], [[12, 13], [12, 13]])
    with_long = batch_loss(model, [long], [[12, 13]])
    torch.testing.assert_close(together, (alone + with_long) / 2, atol=1e-4, rtol=1e-4)


def test_batch_loss_is_the_cross_entropy_of_the_full_logits(tiny_tokenizer):
    model = build_tiny_model(len(tiny_tokenizer))
    embed = model.get_input_embeddings()
    prompt, target = embed(torch.tensor([1, 5, 6, 7])), [12, 13, 14]
    sequence = torch.tensor([[1, 5, 6, 7, *target]])
    logits = model(input_ids=sequence).logits[0, 3:6]  # the positions before each target token
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(target))
    torch.testing.assert_close(batch_loss(model, [prompt], [target]), expected)


def test_samples_for_each_objective(tmp_path, tiny_tokenizer):
    items = read_squad_items(split_articles(write_squad(tmp_path / "s.json.gz"), 1)[0])
    rng = random.Random(0)
    for objective in ("qa", "autoencode", "continuation"):
        sample = draw_sample(
            rng,
            level="scene",
            objective=objective,
            qa=QaPool({"squad": items}),
            spans=[],
            tokenizer=tiny_tokenizer,
            max_context_tokens=12,
            max_target_tokens=5,
        )
        assert 0 < len(sample.context_ids) <= 12 and 0 < len(sample.target_ids) <= 5
        assert (sample.question is not None) == (objective == "qa")


def test_training_writes_checkpoint_curve_and_encoder(tmp_path, tiny_tokenizer):
    config = tiny_config(tmp_path)
    model = build_tiny_model(len(tiny_tokenizer))
    result = train_encoder(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    out = tmp_path / "run"
    assert {p.name for p in out.iterdir()} >= {"checkpoint", "curve.json", "encoder"}
    assert [p["step"] for p in result.curve] == [1, 2, 3, 4]
    assert all(p["loss"] > 0 for p in result.curve)
    loaded = HyperwordEncoder.from_pretrained(
        result.encoder_dir, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    assert loaded.encode([FACTS[0][0]], level="concept").shape == (1, 1, 32)


def test_an_interrupted_run_resumes_to_the_same_weights(tmp_path, tiny_tokenizer):
    whole = train_tiny(tiny_config(tmp_path / "a"), tiny_tokenizer)
    # The same run stopped after its step-2 checkpoint, then started again.
    first = tiny_config(tmp_path / "b", steps=2)
    train_tiny(first, tiny_tokenizer)
    resumed = train_tiny(tiny_config(tmp_path / "b"), tiny_tokenizer)
    assert resumed.resumed_from == 2
    assert [p["loss"] for p in resumed.curve] == pytest.approx(
        [p["loss"] for p in whole.curve], rel=1e-4
    )
    a = (tmp_path / "a" / "run" / "encoder" / "encoder.safetensors").read_bytes()
    b = (tmp_path / "b" / "run" / "encoder" / "encoder.safetensors").read_bytes()
    assert a == b


def test_a_checkpoint_of_other_settings_is_not_resumed(tmp_path, tiny_tokenizer):
    train_tiny(tiny_config(tmp_path, steps=2), tiny_tokenizer)
    with pytest.raises(TrainingConfigError, match="lr_lora"):
        train_tiny(tiny_config(tmp_path, lr_lora=1.0), tiny_tokenizer)


def test_settings_given_as_tuples_resume_from_their_saved_json(tmp_path, tiny_tokenizer):
    # Python callers pass tuples; the saved training_config.json holds lists: one setting.
    encoder = {**TINY_ENCODER_OPTIONS, "levels": ("scene", "concept")}
    train_tiny(tiny_config(tmp_path, steps=2, encoder=encoder), tiny_tokenizer)
    resumed = train_tiny(tiny_config(tmp_path, steps=3, encoder=encoder), tiny_tokenizer)
    assert resumed.resumed_from == 2 and resumed.steps == 3


def test_the_cool_down_brings_the_learning_rates_linearly_to_zero(tmp_path):
    config = tiny_config(tmp_path, steps=10, warmup_steps=2, decay_steps=4)
    scales = [lr_scale(config, step) for step in range(10)]
    assert scales == pytest.approx([0.5, 1, 1, 1, 1, 1, 1, 0.75, 0.5, 0.25])
    constant = tiny_config(tmp_path, steps=10, warmup_steps=2)
    assert [lr_scale(constant, step) for step in range(10)] == pytest.approx([0.5] + [1] * 9)
    with pytest.raises(TrainingConfigError, match="decay_steps"):
        tiny_config(tmp_path, steps=4, decay_steps=5)


def test_a_finished_run_is_cooled_down_from_its_checkpoint(tmp_path, tiny_tokenizer):
    train_tiny(tiny_config(tmp_path, steps=2), tiny_tokenizer)
    cooled = train_tiny(tiny_config(tmp_path, steps=4, decay_steps=2), tiny_tokenizer)
    assert cooled.resumed_from == 2 and cooled.steps == 4
    saved = json.loads((tmp_path / "run" / "training_config.json").read_text())
    assert saved["decay_steps"] == 2


def test_init_from_adds_a_refiner_or_lora_targets_or_changes_the_prompt_and_nothing_else(
    tmp_path, tiny_tokenizer
):
    first = train_tiny(tiny_config(tmp_path / "a", steps=2), tiny_tokenizer)
    mlp = [*ATTENTION_PROJECTIONS, *MLP_PROJECTIONS]
    grown = {**TINY_ENCODER_OPTIONS, "refiner_layers": 1, "lora_targets": mlp}
    grown["attention_pooling"] = True
    config = tiny_config(tmp_path / "b", steps=2, init_from=str(first.encoder_dir), encoder=grown)
    result = train_tiny(config, tiny_tokenizer)
    loaded = HyperwordEncoder.from_pretrained(
        result.encoder_dir, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    assert loaded.config.refiner_layers == 1
    assert loaded.projectors["scene"].refiner_out.weight.abs().sum() > 0  # it trained
    assert loaded.config.lora_targets == tuple(mlp)
    assert loaded.projectors["scene"].pool_score.weight.abs().sum() > 0
    new_pairs = [p for n, p in loaded.model.named_parameters() if "up_proj.lora_B" in n]
    assert new_pairs and all(p.abs().sum() > 0 for p in new_pairs)  # they trained too
    assert loaded.config.template == "qa-bare"
    config = tiny_config(
        tmp_path / "q", steps=1, init_from=str(first.encoder_dir), template="qa-question-first"
    )
    result = train_tiny(config, tiny_tokenizer)  # the prompt may change: the adapter learns it
    saved = json.loads((result.encoder_dir / "config.json").read_text())
    assert saved["template"] == "qa-question-first"
    unknown = "unknown prompt template 'qa-nope'; choose one of qa-1shot, qa-bare"
    with pytest.raises(TrainingConfigError, match=unknown):
        tiny_config(tmp_path / "e", template="qa-nope")
    with pytest.raises(TrainingConfigError, match="template: give the top-level 'template'"):
        tiny_config(tmp_path / "f", encoder={**TINY_ENCODER_OPTIONS, "template": "qa-bare"})
    other = {**TINY_ENCODER_OPTIONS, "projector_hidden": 16}
    config = tiny_config(tmp_path / "c", init_from=str(first.encoder_dir), encoder=other)
    with pytest.raises(TrainingConfigError, match=r"projector_hidden=16.*can only grow"):
        train_tiny(config, tiny_tokenizer)
    fewer = {**TINY_ENCODER_OPTIONS, "lora_targets": ["q_proj"]}  # drops k, v, o
    config = tiny_config(tmp_path / "g", init_from=str(first.encoder_dir), encoder=fewer)
    with pytest.raises(TrainingConfigError, match=r"lora_targets=.*at least one more"):
        train_tiny(config, tiny_tokenizer)
    with pytest.raises(TrainingConfigError, match="EncoderConfig lacks: \\['refiner'\\]"):
        tiny_config(tmp_path / "d", encoder={**TINY_ENCODER_OPTIONS, "refiner": 1})


def test_init_from_adds_an_encoder_adapter_that_trains(tmp_path, tiny_tokenizer):
    first = train_tiny(tiny_config(tmp_path / "a", steps=2), tiny_tokenizer)
    grown = {**TINY_ENCODER_OPTIONS, "encoder_lora_r": 2}
    config = tiny_config(tmp_path / "b", steps=2, init_from=str(first.encoder_dir), encoder=grown)
    result = train_tiny(config, tiny_tokenizer)
    loaded = HyperwordEncoder.from_pretrained(
        result.encoder_dir, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    assert loaded.config.encoder_lora_r == 2
    pairs = [p for n, p in loaded.model.named_parameters() if ".encoder." in n and "lora_B" in n]
    # it trained (the pairs on layers below feature_layer; the others get no gradient)
    assert pairs and any(p.abs().sum() > 0 for p in pairs)
    more = {**TINY_ENCODER_OPTIONS, "encoder_lora_r": 2, "lora_targets": [*MLP_PROJECTIONS]}
    config = tiny_config(tmp_path / "c", init_from=str(first.encoder_dir), encoder=more)
    with pytest.raises(TrainingConfigError, match=r"lora_targets=.*can only grow"):
        train_tiny(config, tiny_tokenizer)  # the two adapters share their modules


def test_evaluator_reports_each_level(tmp_path, tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer)
    items = read_squad_items(split_articles(write_squad(tmp_path / "s.json.gz"), 1)[1])
    scores = QaEvaluator(items, lambda p, a: float(bool(p)), max_context_tokens=32)(encoder)
    assert set(scores) == {"f1_scene", "f1_concept", "f1_text"}
    assert all(0 <= v <= 100 for v in scores.values())


def test_config_errors(tmp_path, caplog):
    with pytest.raises(TrainingConfigError, match="unknown keys"):
        EncoderTrainingConfig(output_dir="x", squad="s", levels={"paragraph": 1.0})
    with pytest.raises(TrainingConfigError, match="needs 'squad' or 'nq'"):
        EncoderTrainingConfig(output_dir="x", text_corpus="t.txt")
    with pytest.raises(TrainingConfigError, match="output_dir"):
        EncoderTrainingConfig.from_dict({"squad": "s"})
    path = tmp_path / "c.yaml"
    path.write_text("output_dir: out\nsquad: s.json\nsteps: 7\nfuture: 1\n")
    assert EncoderTrainingConfig.from_file(path).steps == 7
    assert "future" in caplog.text
    path.write_text("output_dir: [unclosed\n")
    with pytest.raises(TrainingConfigError, match="cannot parse"):
        EncoderTrainingConfig.from_file(path)


def test_bad_training_data(tmp_path):
    with pytest.raises(TrainingDataError, match="does not exist"):
        split_articles(tmp_path / "none.json", 1)
    (tmp_path / "bad.json").write_text('{"rows": []}')
    with pytest.raises(TrainingDataError, match="not SQuAD"):
        split_articles(tmp_path / "bad.json", 1)
    squad = write_squad(tmp_path / "s.json.gz", n_articles=2)
    with pytest.raises(TrainingDataError, match="cannot hold out 2 of 2"):
        split_articles(squad, 2)


def test_train_cli_on_a_local_model_folder(tmp_path, tiny_tokenizer):
    folder = tmp_path / "tiny"
    build_tiny_model(len(tiny_tokenizer)).save_pretrained(folder)
    tiny_tokenizer.save_pretrained(folder)
    config = tiny_config(
        tmp_path, base_model=str(folder), steps=2, eval_questions=2, eval_every=2
    ).to_dict()
    path = tmp_path / "train.json"
    path.write_text(json.dumps(config))
    result = CliRunner().invoke(cli, ["train", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert "trained 2 steps" in result.output
    curve = json.loads((tmp_path / "run" / "curve.json").read_text())
    assert "f1_scene" in curve[-1]
    assert (tmp_path / "run" / "curve.png").stat().st_size > 0
    missing = CliRunner().invoke(cli, ["train", "--config", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_nq_items(tmp_path):
    path = tmp_path / "nq.jsonl"
    rows = [
        {"question": "q1", "answers": ["a"], "ctxs": [{"title": "T", "text": "passage"}]},
        {"question": "q2", "answers": [], "ctxs": [{"title": "T", "text": "passage"}]},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    items = read_nq_items(path)
    assert [(i.question, i.context, i.answers) for i in items] == [("q1", "passage", ("a",))]
    path.write_text("not json\n")
    with pytest.raises(TrainingDataError, match="line 1"):
        read_nq_items(path)


def test_heldout_loss_falls_when_training_on_the_same_questions(tmp_path, tiny_tokenizer):
    config = tiny_config(
        tmp_path,
        heldout_articles=1,
        steps=6,
        levels={"scene": 1.0},
        objectives={"qa": 1.0},
        lr_projector=1e-2,
        lr_lora=1e-2,
    )
    items = read_squad_items(split_articles(config.squad, 1)[0])
    before = heldout_loss(build_tiny_encoder(tiny_tokenizer), items, level="scene")
    result = train_encoder(
        config,
        model=build_tiny_model(len(tiny_tokenizer)),
        tokenizer=tiny_tokenizer,
        progress=False,
    )
    trained = HyperwordEncoder.from_pretrained(
        result.encoder_dir, model=build_tiny_model(len(tiny_tokenizer)), tokenizer=tiny_tokenizer
    )
    assert heldout_loss(trained, items, level="scene") < before


def test_a_trainable_encoder_adapter_learns_with_the_decoder(tmp_path, tiny_tokenizer):
    from safetensors.torch import load_file

    encoder = {**TINY_ENCODER_OPTIONS, "encoder_lora_r": 2, "feature_layer": -1}
    config = tiny_config(tmp_path, encoder=encoder, steps=2, lr_lora=1e-2)
    model = build_tiny_model(len(tiny_tokenizer))
    result = train_encoder(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    weights = load_file(result.encoder_dir / "adapter" / "encoder" / "adapter_model.safetensors")
    lora_b = [v for k, v in weights.items() if "lora_B" in k]
    assert lora_b and any(v.abs().sum() > 0 for v in lora_b)  # initialised at zero by peft


def test_cached_features_read_the_same_as_fresh_ones(tiny_tokenizer):
    encoder = build_tiny_encoder(tiny_tokenizer)
    ids = tuple(tiny_tokenizer(FACTS[1][0], add_special_tokens=False).input_ids)
    other = tuple(tiny_tokenizer(FACTS[0][0], add_special_tokens=False).input_ids)
    cached = PromptBuilder(encoder, "qa-bare", cache_size=1)
    first, _ = cached.features([ids])
    again, _ = cached.features([other, ids])  # evicts and recomputes `ids` after `other`
    fresh = encoder.span_features(ids)
    torch.testing.assert_close(first[0, : len(ids)], fresh)
    torch.testing.assert_close(again[1, : len(ids)], fresh)


def test_invented_passages_alone_are_enough_to_train(tmp_path, tiny_tokenizer):
    config = tiny_config(tmp_path, squad=None, qa_sources={"invented": 1.0}, steps=2)
    model = build_tiny_model(len(tiny_tokenizer))
    result = train_encoder(config, model=model, tokenizer=tiny_tokenizer, progress=False)
    assert result.steps == 2 and all(p["samples_per_second"] > 0 for p in result.curve)
    assert all(p["samples_per_second_median"] > 0 for p in result.curve)


def test_pretraining_steps_draw_reconstruction_only(tmp_path, tiny_tokenizer):
    from adapters.encoder_trainer import _BatchDrawer, _load_data

    config = tiny_config(tmp_path, pretrain_steps=3, batch_size=4)
    qa, spans = _load_data(config)
    draw = _BatchDrawer(config, qa, spans, tiny_tokenizer)
    early = {s.objective for step in range(3) for s in draw(step)}
    late = {s.objective for step in range(3, 30) for s in draw(step)}
    assert early <= {"autoencode", "continuation"} and "qa" in late


def test_qa_sources_are_drawn_by_weight(tmp_path):
    items = read_squad_items(split_articles(write_squad(tmp_path / "s.json.gz"), 1)[0])
    pool = QaPool({"squad": items}, {"squad": 1.0, "invented": 3.0})
    rng = random.Random(0)
    drawn = [pool.draw(rng).article for _ in range(400)]
    share = drawn.count("invented") / len(drawn)
    assert 0.65 < share < 0.85
    with pytest.raises(TrainingConfigError, match="'nq' but gives no data"):
        tiny_config(tmp_path, qa_sources={"nq": 1.0})


def test_self_distillation_matches_the_decoder_reading_the_context_as_text(
    tmp_path, tiny_tokenizer
):
    encoder = build_tiny_encoder(tiny_tokenizer)
    prompts = PromptBuilder(encoder, "qa-bare")
    ids = tuple(tiny_tokenizer(FACTS[0][0], add_special_tokens=False).input_ids)
    target = tiny_tokenizer(" the Quell River\n", add_special_tokens=False).input_ids
    soft = Sample("scene", "qa", ids, tuple(target), FACTS[0][1])
    text = Sample("text", "qa", ids, tuple(target), FACTS[0][1])
    copy = Sample("scene", "autoencode", ids, ids[:4])
    logits = target_logits(encoder.model, prompts.prompt_rows([soft]), [list(target)])
    teacher = target_logits(encoder.model, prompts.prompt_rows([text]), [list(target)])
    kl = distillation_loss(logits, teacher)
    assert kl.item() > 0 and distillation_loss(teacher, teacher).item() == pytest.approx(0)
    ce = batch_loss(encoder.model, prompts.prompt_rows([soft]), [list(target)])
    off, parts = step_loss(encoder, prompts, [soft], distill=0.0)
    torch.testing.assert_close(off, ce)
    assert parts == {"loss_cross_entropy": pytest.approx(ce.item())}
    full, parts = step_loss(encoder, prompts, [soft], distill=1.0)
    torch.testing.assert_close(full, kl)
    assert parts["loss_distillation"] == pytest.approx(kl.item(), rel=1e-4)
    mixed, _ = step_loss(encoder, prompts, [soft], distill=0.25)
    torch.testing.assert_close(mixed, 0.75 * ce + 0.25 * kl)
    # Plain passages and reconstruction have no teacher: cross-entropy alone.
    for sample in (text, copy):
        alone = batch_loss(encoder.model, prompts.prompt_rows([sample]), [list(sample.target_ids)])
        loss, parts = step_loss(encoder, prompts, [sample], distill=1.0)
        torch.testing.assert_close(loss, alone)
        assert "loss_distillation" not in parts
    # In a batch, the KL is over the soft sample's target tokens only.
    both, _ = step_loss(encoder, prompts, [soft, copy], distill=1.0)
    torch.testing.assert_close(both, kl, atol=1e-4, rtol=1e-4)
    full.backward()
    assert encoder.projectors["scene"].gain.grad is not None
    with pytest.raises(TrainingConfigError, match="'distill' must be in"):
        tiny_config(tmp_path, distill=1.5)
    as_read = {**tiny_config(tmp_path).to_dict(), "distill": "0.5"}  # a quoted number in a file
    with pytest.raises(TrainingConfigError, match=r"'distill' must be a finite number, got '0\.5'"):
        EncoderTrainingConfig.from_dict(as_read)
    with pytest.raises(TrainingConfigError, match=r"'seed' must be an integer, got '3'"):
        EncoderTrainingConfig.from_dict({**as_read, "distill": 0.5, "seed": "3"})  # no check
    nested = {**as_read, "distill": 0.5, "encoder": {"residual": "yes"}}  # the encoder block too
    with pytest.raises(TrainingConfigError, match=r"'encoder' option 'residual' must be true or"):
        EncoderTrainingConfig.from_dict(nested)
    result = train_tiny(tiny_config(tmp_path, distill=0.5, steps=6), tiny_tokenizer)
    assert all(p["loss"] > 0 and p["loss_cross_entropy"] > 0 for p in result.curve)
    assert any("loss_distillation" in p for p in result.curve)  # the curve splits the mix
    plot_curve(tmp_path / "run" / "curve.json", tmp_path / "curve.png")
    assert (tmp_path / "curve.png").stat().st_size > 0
