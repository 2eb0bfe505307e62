"""Run methods over a task's examples and collect records and summaries."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from eval.checkpoint import Checkpoint
from eval.exceptions import EvalError, MethodUnavailableError
from eval.methods import get_method
from eval.methods.base import MethodContext
from eval.metrics import PeakMemory, score_answer
from eval.records import ExampleRecord, MethodSummary, summarize
from eval.tasks import get_task, sample_examples
from eval.tasks.base import Example
from hyperword.generation import count_tokens
from hyperword.models import DEFAULT_MODEL
from hyperword.prompts import get_template, template_for_model

__all__ = ["EvalConfig", "EvalResult", "run_eval"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalConfig:
    """One evaluation: a task file, the methods to compare, and the shared settings."""

    task: str
    methods: tuple[str, ...]
    data: str | None = None
    model: str = DEFAULT_MODEL
    limit: int | None = None
    budget: int = 256
    seed: int = 0
    max_new_tokens: int = 32
    template: str | None = field(default=None, metadata={"help": "default: the model's"})
    task_options: dict[str, Any] = field(default_factory=dict)
    method_options: dict[str, dict[str, Any]] = field(
        default_factory=dict, metadata={"help": "method name -> its options (MethodContext)"}
    )

    def __post_init__(self):
        if not self.methods:
            raise EvalError("name at least one method")
        if self.budget <= 0:
            raise EvalError(f"budget must be a positive token count, got {self.budget}")
        if self.limit is not None and self.limit <= 0:
            raise EvalError(f"limit must be positive, got {self.limit}")
        for name in self.methods:
            get_method(name)
        stray = sorted(set(self.method_options) - set(self.methods))
        if stray:
            raise EvalError(f"options given for methods not run: {', '.join(stray)}")
        get_task(self.task)


@dataclass
class EvalResult:
    config: EvalConfig
    model: str
    template: str
    records: list[ExampleRecord]
    summaries: list[MethodSummary]
    skipped: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": asdict(self.config),
            "model": self.model,
            "template": self.template,
            "summaries": [asdict(s) for s in self.summaries],
            "skipped": self.skipped,
            "records": [asdict(r) for r in self.records],
        }


def load_examples(config: EvalConfig) -> list[Example]:
    loader = get_task(config.task)
    examples = list(loader(config.data, seed=config.seed, **config.task_options))
    if not examples:
        raise EvalError(f"task '{config.task}' found no examples in {config.data}")
    return sample_examples(examples, limit=config.limit, seed=config.seed)


def run_eval(
    config: EvalConfig,
    *,
    model=None,
    tokenizer=None,
    progress: bool = True,
    checkpoint: str | Path | None = None,
    store_cache: str | Path | None = None,
) -> EvalResult:
    """Run every method of `config` on the same sampled examples.

    Args:
        config: What to run.
        model, tokenizer: A loaded model to use instead of loading `config.model` (tests pass
            a tiny one).
        progress: Show a progress bar on stderr.
        checkpoint: A JSON-lines file that records each result as it is made; a run given the
            same file again skips the examples already done (see `eval.checkpoint`).
        store_cache: A folder where retrieval methods keep each example's store, built once
            and reused by later runs on the same examples (`eval.methods.example_store`);
            None builds every store afresh in a temporary folder.
    """
    examples = load_examples(config)
    if model is None:
        from hyperword.models import load_base_model

        model, tokenizer = load_base_model(config.model)
    template = (
        get_template(config.template) if config.template else template_for_model(config.model)
    )
    model_name = str(getattr(model, "name_or_path", config.model))
    header = {"config": asdict(config), "model": model_name, "template": template.name}
    weights = {m: get_method(m).weights(config.method_options.get(m, {})) for m in config.methods}
    if any(w is not None for w in weights.values()):  # answers of other weights are not reused
        header["weights"] = {m: w for m, w in weights.items() if w is not None}
    log = Checkpoint(checkpoint, header)
    scorer = _Scorer(model, tokenizer, examples, log)
    with tempfile.TemporaryDirectory(prefix="hyperword-eval-") as workdir:
        context = MethodContext(
            model=model,
            tokenizer=tokenizer,
            template=template,
            budget=config.budget,
            workdir=Path(workdir),
            seed=config.seed,
            max_new_tokens=config.max_new_tokens,
            store_cache=None if store_cache is None else Path(store_cache),
        )
        records, summaries, skipped = _run_methods(config, context, examples, scorer, progress)
    return EvalResult(
        config=config,
        model=model_name,
        template=template.name,
        records=records,
        summaries=summaries,
        skipped=skipped,
    )


def _run_methods(
    config: EvalConfig,
    context: MethodContext,
    examples: list[Example],
    scorer: _Scorer,
    progress: bool,
) -> tuple[list[ExampleRecord], list[MethodSummary], dict[str, str]]:
    """Each method of `config` on every example: records, summaries, methods skipped."""
    records: list[ExampleRecord] = []
    summaries: list[MethodSummary] = []
    skipped: dict[str, str] = {}
    bar = tqdm(total=len(examples) * len(config.methods), disable=not progress, unit="q")
    for name in config.methods:
        options = config.method_options.get(name)
        try:
            method = get_method(name)(replace(context, options=options) if options else context)
        except MethodUnavailableError as error:
            logger.warning("skipping %s: %s", name, error)
            skipped[name] = str(error)
            bar.update(len(examples))
            continue
        bar.set_postfix_str(name)
        method_records = [scorer.record(name, method, example, bar) for example in examples]
        records.extend(method_records)
        summaries.append(summarize(name, method_records, method.config()))
    bar.close()
    return records, summaries, skipped


class _Scorer:
    """Runs a method on one example and records its answer, scores and costs (checkpointed)."""

    def __init__(self, model: Any, tokenizer: Any, examples: list[Example], log: Checkpoint):
        self.model, self.log = model, log
        self.full_tokens = {ex.id: count_tokens(tokenizer, ex.context) for ex in examples}
        self.kv_bytes = _kv_bytes_function(model)

    def record(self, name: str, method: Any, example: Example, bar: Any) -> ExampleRecord:
        done = self.log.get(name, example.id)
        if done is not None:
            bar.update(1)
            return done
        with PeakMemory(self.model.device) as peak:
            result = method.run(example)
        generation = result.generation
        scores = score_answer(generation.text, example.answers)
        record = ExampleRecord(
            example_id=example.id,
            method=name,
            question=example.question,
            answers=example.answers,
            prediction=generation.text,
            em=scores.em,
            f1=scores.f1,
            contains=scores.contains,
            context_tokens=generation.context_tokens,
            prompt_tokens=generation.prompt_tokens,
            full_context_tokens=self.full_tokens[example.id],
            new_tokens=generation.new_tokens,
            prefill_seconds=generation.prefill_seconds,
            total_seconds=generation.total_seconds,
            peak_memory_bytes=peak.peak_bytes,
            kv_cache_bytes=self.kv_bytes(generation.prompt_tokens + generation.new_tokens),
            details=result.details,
        )
        self.log.append(record)
        bar.update(1)
        return record


def _kv_bytes_function(model):
    """Analytic KV-cache bytes of a sequence for this model at its dtype (sliding windows too)."""
    from eval.vram.planner import kv_cache_bytes, model_shape_from_config

    shape = model_shape_from_config(model.config)
    itemsize = model.dtype.itemsize
    return lambda tokens: kv_cache_bytes(shape, tokens, bytes_per_value=itemsize)
