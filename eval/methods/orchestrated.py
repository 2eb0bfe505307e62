"""`orchestrated`: the whole pipeline as a user runs it: a store, the orchestrator, a budget.

Each example's documents go into a store of their own (like `rag-text`: real LanceDB on disk
+ FAISS, chunks of 128 target-model tokens, overlap 16); `orchestrator.Orchestrator` then
retrieves, plans a level for every candidate under the budget (the `default` policy), builds
one `inputs_embeds` sequence with source markers, and answers. Context tokens are the
positions the model attends over for the context: verbatim tokens, hyperword ids, soft
tokens with their level markers, and the source markers.

Levels: `text` always; `hyperword` when a hyperword tokenizer is found (`"auto"`:
`$HYPERWORD_TOKENIZER`, else the one shipped for the model); `scene`/`concept` when the
trained default encoder loads and reads the target model's vocabulary. The encoder brings its
own copy of the base model (its decoder adapter is not injected into the shared model that
other methods use). `config()` records which levels were on. An encoder is loaded once per
process and folder and keeps the frozen features of the last `FEATURE_CACHE_SPANS` chunks it
read (`HyperwordEncoder.cache_features`), so the cells of a benchmark that ask the same
questions at other budgets or in other variants encode each chunk once.

Options (`--method-option orchestrated.KEY=VALUE`): `encoder` and `hyperword_tokenizer`, each
a folder, `auto` (the default) or `none`. With the encoder on, answers come from its tuned
decoder; `encoder=none` is the control that answers with the plain model. Any
`orchestrator.AskOptions` field but those the harness sets (`budget`, `max_new_tokens`,
`template`, the policy), e.g. `hops` (1 or 2), `focus` (true/false) or `k`; and any option of
the planning policy's `Config`, e.g. `excerpt_min` (an integer, or `none` to step the best
chunk down a level instead).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from eval.exceptions import EvalError
from eval.methods.base import Method, MethodContext, MethodResult, register_method
from eval.methods.example_store import example_store
from eval.tasks.base import Example
from hyperword.generation import Generation

__all__ = ["Orchestrated"]

PARTS = ("encoder", "hyperword_tokenizer")  # method options that are not AskOptions
# AskOptions the harness sets (the policy's own options are given flat, e.g. excerpt_min)
HARNESS_OPTIONS = ("budget", "max_new_tokens", "template", "policy", "policy_options")

logger = logging.getLogger(__name__)

FEATURE_CACHE_SPANS = 4000  # at most ~1.3 GB for 128-token chunks of Gemma 3 270M (d 640)
_loaded_encoders: dict[str, Any] = {}  # encoder option -> the encoder loaded for it


def _shared_encoder(option: Any) -> Any:
    """The encoder for a method option, loaded once per process (see the module's text)."""
    from orchestrator.loading import resolve_encoder

    if not isinstance(option, (str, Path)):  # None (off) or an encoder object
        return resolve_encoder(option)
    option = str(option)
    if option not in _loaded_encoders:
        encoder = resolve_encoder(option)
        if encoder is not None and hasattr(encoder, "cache_features"):
            encoder.cache_features(FEATURE_CACHE_SPANS)
        _loaded_encoders[option] = encoder
    return _loaded_encoders[option]


@register_method("orchestrated")
class Orchestrated(Method):
    """Retrieve, plan levels under the budget, assemble, answer (`orchestrator.Orchestrator`)."""

    uses_budget = True
    revision = "7"  # 4: title-weighted links, titled comparison lookups; 5: answer forms;
    # 6: the best excerpts pay nothing towards the soft tail; 7: rest views of excerpts
    # (3: hybrid search, link-following (hops=2), one excerpt per hop)
    # (2: excerpts of the best chunk, bridge retrieval, 2026-11-23)
    chunk_tokens = 128
    chunk_overlap = 16
    candidates = 16
    policy = "default"
    encoder: Any = "auto"  # a folder, "auto" or None
    hyperword_tokenizer: Any = "auto"  # a folder, "auto" or None

    def __init__(self, context: MethodContext):
        from orchestrator.loading import optional_part, resolve_hyperword_tokenizer

        super().__init__(context)
        options = dict(context.options)
        self._ask = self._ask_options({k: v for k, v in options.items() if k not in PARTS})
        encoder = optional_part(options.get("encoder", self.encoder))
        hyperword_tokenizer = optional_part(
            options.get("hyperword_tokenizer", self.hyperword_tokenizer)
        )
        self._examples_seen = 0
        self._encoder = self._usable_encoder(_shared_encoder(encoder))
        self._hyperword = resolve_hyperword_tokenizer(
            hyperword_tokenizer,
            base_tokenizer=context.tokenizer,
            base_name=str(getattr(context.model, "name_or_path", "") or ""),
        )
        self._levels: tuple[str, ...] = ("text",)

    @classmethod
    def weights(cls, options: dict[str, Any]) -> str | None:
        from hyperword.encoder import folder_digest
        from orchestrator.loading import AUTO, optional_part

        spec = optional_part(options.get("encoder", cls.encoder))
        if spec is None:
            return None
        if isinstance(spec, (str, Path)):
            return folder_digest(None if str(spec) == AUTO else spec)
        return str(getattr(spec, "version", type(spec).__name__))  # an encoder object

    def _ask_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Split method options into `AskOptions` fields and the policy's options."""
        from orchestrator import POLICIES, AskOptions, OptionError, create_policy
        from orchestrator.options import ask_fields

        fields = [s.name for s in ask_fields() if s.name not in HARNESS_OPTIONS]
        policy_fields = [f.name for f in dataclasses.fields(POLICIES[self.policy].Config)]
        unknown = sorted(set(options) - set(fields) - set(policy_fields))
        if unknown:
            raise EvalError(f"unknown orchestrated options: {', '.join(unknown)}")
        ask = {key: value for key, value in options.items() if key in fields}
        policy = {
            key: None if str(value).lower() == "none" else value
            for key, value in options.items()
            if key in policy_fields
        }
        try:
            AskOptions(**ask)
            create_policy(self.policy, **policy)
        except OptionError as error:
            raise EvalError(f"orchestrated: {error}") from None
        return {**ask, "policy_options": policy}

    def _usable_encoder(self, encoder: Any) -> Any:
        if encoder is None:
            return None
        if encoder.tokenizer.get_vocab() != self.ctx.tokenizer.get_vocab():
            logger.warning(
                "orchestrated: the default encoder reads another vocabulary; scene "
                "and concept levels off"
            )
            return None
        return encoder

    def config(self) -> dict[str, Any]:
        return {
            "budget": self.ctx.budget,
            "chunk_tokens": self.chunk_tokens,
            "chunk_overlap": self.chunk_overlap,
            "candidates": self.candidates,
            "policy": self.policy,
            "levels": list(self._levels),
            "encoder": getattr(self._encoder, "id", None),
            "embedder": "all-minilm-l6-v2",
            **{k: v for k, v in self._ask.items() if k != "policy_options"},
            **self._ask["policy_options"],
        }

    def run(self, example: Example) -> MethodResult:
        from orchestrator import AskOptions, Orchestrator

        orchestrator = Orchestrator(
            self._store(example),
            model=self.ctx.model,
            base_tokenizer=self.ctx.tokenizer,
            encoder=self._encoder,
            tokenizer=self._hyperword,
            options=AskOptions(
                **{
                    "budget": self.ctx.budget,
                    "k": self.candidates,
                    "policy": self.policy,
                    "max_new_tokens": self.ctx.max_new_tokens,
                    "template": self.ctx.template.name,
                    **self._ask,
                }
            ),
        )
        self._levels = orchestrator.levels
        answer = orchestrator.ask(example.question)
        report = answer.report
        generation = Generation(
            text=answer.text,
            prompt_tokens=report.prompt_tokens,
            context_tokens=report.context_tokens,
            new_tokens=report.new_tokens,
            prefill_seconds=report.prefill_seconds,
            total_seconds=report.generation_seconds,
            template=report.template,
        )
        sources = [
            {
                "doc_id": s.doc_id,
                "level": s.level,
                "tokens": s.tokens,
                "score": round(s.score, 4),
                "cut": s.cut,
                "excerpt": s.excerpt,
                "hop": s.hop,
                "rest": s.rest,
            }
            for s in report.sources
        ]
        details = {
            "sources": sources,
            "tokens_per_level": report.tokens_per_level,
            "retrieved": report.retrieved,
            "dropped": report.dropped,
            "retrieval_seconds": report.retrieval_seconds,
            "gold_retrieved": bool(
                example.gold_titles and any(s["doc_id"] in example.gold_titles for s in sources)
            ),
        }
        return MethodResult(generation=generation, details=details)

    def _store(self, example: Example):
        self._examples_seen += 1
        folder = self.ctx.workdir / f"orchestrated-{self._examples_seen}"
        return example_store(
            self.ctx,
            example,
            folder,
            chunk_tokens=self.chunk_tokens,
            overlap_tokens=self.chunk_overlap,
        )
