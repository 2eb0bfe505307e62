"""Hyperword LoRA: windows, continuation loss, a few training steps, save and load."""

from __future__ import annotations

import copy
import json

import pytest
import torch

from adapters.exceptions import TrainingConfigError
from adapters.hyperword_lora import (
    ADAPTER_CONFIG,
    HyperwordAdapter,
    HyperwordLoraConfig,
    Window,
    continuation_nll,
    load_hyperword_adapter,
    make_windows,
    resolve_adapter_folder,
    save_hyperword_adapter,
    train_hyperword_lora,
    window_embeds,
)
from hyperword.tokenizer import HyperwordTokenizer
from tests.conftest import TINY_CORPUS

TEXT = " ".join(TINY_CORPUS)


@pytest.fixture(scope="module")
def hyper(tiny_tokenizer):
    return HyperwordTokenizer.train([TEXT] * 3, tiny_tokenizer, num_hyperwords=40)


@pytest.fixture(scope="module")
def window(tiny_tokenizer):
    ids = tiny_tokenizer(TEXT, add_special_tokens=False).input_ids
    return make_windows([ids], context_tokens=24, continuation_tokens=8)[0]


def test_make_windows():
    windows = make_windows(
        [list(range(25)), list(range(3))], context_tokens=8, continuation_tokens=4
    )
    assert windows == [
        Window(tuple(range(8)), (8, 9, 10, 11)),
        Window(tuple(range(12, 20)), (20, 21, 22, 23)),
    ]


def test_continuation_nll_matches_full_logits(hyper, window, tiny_model):
    bos = hyper.base_tokenizer.bos_token_id
    ids = [bos, *window.context, *window.continuation]
    with torch.no_grad():
        logits = tiny_model(input_ids=torch.tensor([ids])).logits[0]  # (n, vocab)
        n = len(window.continuation)
        expected = torch.nn.functional.cross_entropy(
            logits[-n - 1 : -1], torch.tensor(window.continuation), reduction="sum"
        )
        embeds, positions = window_embeds(tiny_model, hyper, window, mode="plain")
        assert positions == len(window.context)
        torch.testing.assert_close(
            continuation_nll(tiny_model, embeds, window.continuation), expected
        )
        hyper_embeds, hyper_positions = window_embeds(tiny_model, hyper, window, mode="hyperword")
        assert hyper_positions < positions
        assert hyper_embeds.shape[1] == 1 + hyper_positions + n
        none, zero = window_embeds(tiny_model, hyper, window, mode="none")
        assert zero == 0 and none.shape[1] == 1 + n
    with pytest.raises(TrainingConfigError):
        window_embeds(tiny_model, hyper, window, mode="soft")


def test_training_lowers_the_loss_and_round_trips(hyper, window, tiny_model, tmp_path):
    from tests.conftest import build_tiny_model

    def loss(model, composer=None):
        with torch.no_grad():
            embeds, _ = window_embeds(model, hyper, window, mode="hyperword", composer=composer)
            return float(continuation_nll(model, embeds, window.continuation))

    before = loss(tiny_model)
    config = HyperwordLoraConfig(
        rank=4, alpha=8, steps=30, learning_rate=1e-2, composer="learned", warmup_steps=1
    )
    peft_model, composer, log = train_hyperword_lora(tiny_model, hyper, [window], config)
    assert log.steps == 30 and len(log.losses) == 30
    after = loss(peft_model, composer)
    assert after < before
    folder = save_hyperword_adapter(
        tmp_path / "adapter", peft_model, composer, config, tokenizer=hyper, log=log
    )
    assert (folder / "lora" / "adapter_config.json").is_file()
    assert (folder / "composer" / "model.safetensors").is_file()
    fresh = build_tiny_model(len(hyper.base_tokenizer))
    merged, loaded_composer = load_hyperword_adapter(fresh, folder, tokenizer=hyper)
    assert loss(merged, loaded_composer) == pytest.approx(after, rel=1e-2)  # stored as bf16
    loaded = HyperwordAdapter.from_pretrained(folder, build_tiny_model(len(hyper.base_tokenizer)))
    assert loaded.config == config and loaded.record["steps"] == 30
    assert loss(loaded.model, loaded.composer) == pytest.approx(after, rel=1e-2)


@pytest.mark.parametrize(
    "options", [{"composer": "attention"}, {"rank": 0}, {"steps": 0}, {"learning_rate": 0}]
)
def test_bad_config(options):
    with pytest.raises(TrainingConfigError):
        HyperwordLoraConfig(**options)


def test_a_mistyped_training_record_is_one_clear_error():
    from adapters.hyperword_lora import config_from_dict

    with pytest.raises(TrainingConfigError, match="record is invalid: 'seed' must be an integer"):
        config_from_dict({"seed": "0"})  # once taken as it came


def test_not_an_adapter_folder(tiny_model, tmp_path):
    with pytest.raises(TrainingConfigError, match="not a hyperword adapter"):
        load_hyperword_adapter(tiny_model, tmp_path)


def test_qa_windows_rebuild_the_plain_prompt(tiny_tokenizer, hyper, tiny_model):
    from adapters.hyperword_lora import qa_windows
    from hyperword.prompts import get_template

    template = get_template("qa-1shot")
    context, question = "Zephyrine tea is brewed from kopa leaves.", "What is it brewed from?"
    (window,) = qa_windows([(context, question, "kopa leaves")], tiny_tokenizer, template)
    text = template.render(question=question, context=context).text
    ids = [*window.prefix, *window.context, *window.suffix]
    assert tiny_tokenizer.decode(ids) == text
    assert tiny_tokenizer.decode(window.continuation) == " kopa leaves\n"
    with torch.no_grad():
        embeds, positions = window_embeds(tiny_model, hyper, window, mode="hyperword")
    assert embeds.shape[1] == len(ids) - len(window.context) + positions + len(window.continuation)


def test_resolve_adapter_folder(tmp_path):
    assert resolve_adapter_folder(tmp_path) == tmp_path
    with pytest.raises(TrainingConfigError, match="none shipped for 'tiny-llama'"):
        resolve_adapter_folder("tiny-llama")


def test_shipped_adapter_is_found_by_default():
    folder = resolve_adapter_folder("default")
    assert folder == resolve_adapter_folder("gemma-3-270m")
    record = json.loads((folder / ADAPTER_CONFIG).read_text())
    assert record["kind"] == "hyperword-lora" and record["tokenizer_base"] == "gemma-3-270m"
    assert (folder / "TRAINING.md").is_file()


@pytest.mark.real_model
def test_shipped_adapter_loads_onto_gemma(real_model):
    from hyperword.tokenizer import default_tokenizer

    gemma, base = real_model
    tokenizer = default_tokenizer(base_tokenizer=base)
    record = json.loads((resolve_adapter_folder("default") / ADAPTER_CONFIG).read_text())
    assert record["tokenizer_fingerprint"] == tokenizer.fingerprint  # trained on the shipped one
    model = copy.deepcopy(gemma)
    before = model.model.layers[0].self_attn.q_proj.weight.clone()
    adapted, composer = load_hyperword_adapter(model, "default", tokenizer=tokenizer)
    assert composer is None  # the shipped adapter uses the mean composer
    assert not torch.equal(adapted.model.layers[0].self_attn.q_proj.weight, before)
    text = "The Black Death was one of the most devastating pandemics in human history."
    embeds = tokenizer.embed(tokenizer.encode(text), adapted)
    with torch.no_grad():
        logits = adapted(inputs_embeds=embeds).logits
    assert torch.isfinite(logits).all()
