"""Shared fixtures: a tiny in-process causal LM for fast tests, the real default model once."""

from __future__ import annotations

import pytest
import torch

TINY_CORPUS = [
    "The Velloran Glass Bridge crosses the Quell River in the town of Brask.",
    "Zephyrine tea is brewed from the dried leaves of the kopa shrub.",
    "Question: Who designed the bridge? Answer: Marisol Dutrane.",
    "Context: the festival is held in the harbour city of Tallimar every March.",
    "Numbers 0 1 2 3 4 5 6 7 8 9, punctuation .,;:!?'\"()[] and new\nlines.",
]


def build_tiny_tokenizer():
    """A byte-level BPE tokenizer trained in-process on a few sentences (no download)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<pad>", "<bos>", "<eos>", "<unk>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(TINY_CORPUS, trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token="<bos>",
        eos_token="<eos>",
        pad_token="<pad>",
        unk_token="<unk>",
    )
    wrapped.name_or_path = "tiny-llama"  # stores record the base model by this name
    return wrapped


def build_tiny_model(vocab_size: int, *, seed: int = 0):
    """A randomly initialised 2-layer Llama-style causal LM (about 60k parameters)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,  # a budget of 512 fits; 4096 does not
        pad_token_id=0,
        bos_token_id=1,
        eos_token_id=2,
    )
    model = LlamaForCausalLM(config).eval()
    model.config._name_or_path = model.name_or_path = "tiny-llama"
    return model


@pytest.fixture(scope="session")
def tiny_tokenizer():
    return build_tiny_tokenizer()


@pytest.fixture
def tiny_model(tiny_tokenizer):
    """A fresh tiny model per test (cheap), so tests may train or modify it."""
    return build_tiny_model(len(tiny_tokenizer))


@pytest.fixture(scope="session")
def real_model():
    """The real default base model (Gemma 3 270M), loaded once per session.

    The first load on a machine dequantizes the GGUF file into the cache (about a minute);
    later sessions load the cached safetensors in seconds.
    """
    from hyperword.models import load_base_model

    return load_base_model("gemma-3-270m", device="cpu")


@pytest.fixture(scope="session")
def ray_cluster():
    """One local Ray (2 CPUs) for the whole session; its address lets subprocesses join it."""
    ray = pytest.importorskip("ray", reason="the Ray engine needs the 'ray' extra")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
