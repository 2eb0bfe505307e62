"""Example stores built once per example and reused by later benchmark cells."""

from __future__ import annotations

from eval.methods.base import MethodContext
from eval.methods.example_store import COMPLETE, example_store
from eval.tasks.base import Example
from hyperword.prompts import get_template
from mnemonic import MnemonicStore

EXAMPLE = Example(
    id="q/1",
    question="Who designed the bridge?",
    answers=("Marisol Dutrane",),
    documents=(
        ("Velloran Glass Bridge", "The Velloran Glass Bridge was designed by Marisol Dutrane."),
        ("Zephyrine tea", "Zephyrine tea is brewed from the kopa shrub."),
    ),
)


def test_a_cached_store_is_built_once_and_an_interrupted_one_again(
    tiny_tokenizer, tmp_path, monkeypatch
):
    context = MethodContext(
        model=None,
        tokenizer=tiny_tokenizer,
        template=get_template("qa-bare"),
        budget=64,
        workdir=tmp_path / "work",
        store_cache=tmp_path / "stores",
    )
    builds = []
    add = MnemonicStore.add_documents
    monkeypatch.setattr(
        MnemonicStore, "add_documents", lambda self, *a, **k: builds.append(1) or add(self, *a, **k)
    )
    first = example_store(context, EXAMPLE, tmp_path / "unused", chunk_tokens=64, overlap_tokens=8)
    again = example_store(context, EXAMPLE, tmp_path / "unused", chunk_tokens=64, overlap_tokens=8)
    assert len(builds) == 1 and again.path == first.path
    assert first.path.parent == tmp_path / "stores" and "/" not in first.path.name
    assert again.search("Who designed the bridge?", k=1)[0].doc_id == "Velloran Glass Bridge"
    other = example_store(context, EXAMPLE, tmp_path / "unused", chunk_tokens=32, overlap_tokens=8)
    assert other.path != first.path and len(builds) == 2  # other chunking, other store
    (first.path / COMPLETE).unlink()  # as if the build had been killed before it finished
    rebuilt = example_store(context, EXAMPLE, tmp_path / "x", chunk_tokens=64, overlap_tokens=8)
    assert len(builds) == 3 and rebuilt.path == first.path and (first.path / COMPLETE).is_file()
    assert not (tmp_path / "unused").exists()
