"""`Orchestrator`: a question, a store, a budget; out comes an answer and what it cost.

retrieve (retrieval.py; a second round from a bridge sentence with hops=2)
-> cost every candidate at every available level (materials)
-> plan levels under the budget (policy) -> one inputs_embeds sequence (assembly; a cut
verbatim source keeps its sentences nearest the question, focus.py)
-> generate (greedy or sampled, streamed) -> Answer + AnswerReport
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from hyperword.generation import stream as stream_tokens
from hyperword.levels import LEVELS
from hyperword.memory import PeakMemory, model_kv_cache_bytes
from hyperword.models import DEFAULT_MODEL
from hyperword.prompts import PromptTemplate, get_template, template_for_model
from hyperword.rows import text_rows
from orchestrator.answer import Answer, AnswerReport, SourceReport
from orchestrator.assembly import MarkerStyle, Piece, assemble
from orchestrator.exceptions import OptionError, OrchestratorError
from orchestrator.focus import Focus
from orchestrator.materials import Materials, Source
from orchestrator.options import AskOptions
from orchestrator.planner import Candidate, Plan, check_plan
from orchestrator.policy import create_policy
from orchestrator.resources import resolve_encoder, resolve_hyperword_tokenizer
from orchestrator.retrieval import Found, retrieve

__all__ = ["AnswerStream", "Orchestrator"]

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 4000


class AnswerStream:
    """Text pieces of an answer as they are generated; `answer` is set after the last one.

    Holds the model's lock from the first `next()` until exhausted or closed.
    """

    def __init__(self, question: str, steps: Iterator[str]):
        self.question = question
        self._steps = steps
        self.answer: Answer | None = None

    def __iter__(self) -> AnswerStream:
        return self

    def __next__(self) -> str:
        return next(self._steps)

    def close(self) -> None:
        """Stop early and release the model."""
        self._steps.close()

    def consume(self) -> Answer:
        """Run to the end and return the answer."""
        for _ in self:
            pass
        if self.answer is None:
            raise OrchestratorError("the answer stream was closed before it finished")
        return self.answer


class Orchestrator:
    """Answers questions from a mnemonic store under a budget of context positions.

    Args:
        store: A `mnemonic.MnemonicStore`, or the folder of one.
        model: A base-model alias or folder (loaded here), or a loaded causal LM; by default
            the encoder's decoder when an encoder object is given, else `gemma-3-270m`.
        base_tokenizer: The loaded model's tokenizer (taken from `encoder` or the hyperword
            tokenizer when omitted).
        encoder: A `SoftTokenEncoder` (enables `scene` and `concept`; it also becomes the
            reader: its decoder generates), a folder, `"auto"` (the trained default when
            there is one) or None.
        tokenizer: A `HyperwordTokenizer` (enables `hyperword`), a folder, `"auto"`
            (`$HYPERWORD_TOKENIZER`, else the one shipped for the model, if any) or None.
        budget: Default context budget (positions: sources plus their markers).
        policy: Default planning policy.
        options: Defaults for every other `ask` option.
        markers: How sources are marked in the context.
        device: Where to load `model` when given by name.
        lock: The lock that serializes use of the model (share one between orchestrators
            that share a model).
        store_lock: The lock that serializes use of the store.
    """

    def __init__(
        self,
        store: Any,
        *,
        model: Any = None,
        base_tokenizer: Any = None,
        encoder: Any = None,
        tokenizer: Any = None,
        budget: int | None = None,
        policy: str | None = None,
        options: AskOptions | None = None,
        markers: MarkerStyle | None = None,
        device: str | None = None,
        lock: threading.Lock | None = None,
        store_lock: threading.Lock | None = None,
    ):
        if isinstance(store, (str, Path)):
            from mnemonic import MnemonicStore

            store = MnemonicStore(store, create=False)
        self.store = store
        if model is None:
            has_decoder = encoder is not None and not isinstance(encoder, (str, Path))
            model = encoder.model if has_decoder else DEFAULT_MODEL
        if isinstance(model, (str, Path)):
            from hyperword.models import load_base_model

            model, base_tokenizer = load_base_model(model, device=device)
        if base_tokenizer is None:
            base_tokenizer = getattr(encoder, "tokenizer", None) or getattr(
                tokenizer, "base_tokenizer", None
            )
        if base_tokenizer is None:
            raise OrchestratorError("pass base_tokenizer with a loaded model")
        self.base_model, self.base_tokenizer = model, base_tokenizer
        self.encoder = resolve_encoder(encoder, model=model, tokenizer=base_tokenizer)
        self.hyperword_tokenizer = resolve_hyperword_tokenizer(
            tokenizer,
            base_tokenizer=base_tokenizer,
            base_name=str(getattr(model, "name_or_path", "") or ""),
        )
        self._check_hyperword_tokenizer()
        defaults = options or AskOptions()
        overrides = {"budget": budget, "policy": policy}
        self.options = defaults.with_options(**{k: v for k, v in overrides.items() if v})
        create_policy(self.options.policy, **self.options.policy_options)  # fail early
        self.markers = markers or MarkerStyle()
        self.lock = lock or threading.Lock()
        self.store_lock = store_lock or threading.Lock()
        self.materials = Materials(
            self.model,
            base_tokenizer,
            hyperword_tokenizer=self.hyperword_tokenizer,
            encoder=self.encoder,
            store_encoders=getattr(getattr(store, "manifest", None), "encoders", None),
        )
        # an encoder's decoder reads best with the template it was trained with
        trained = getattr(getattr(self.encoder, "config", None), "template", None)
        if isinstance(trained, str) and trained:
            self.template = get_template(trained)
        else:
            self.template = template_for_model(getattr(model, "name_or_path", None))

    @property
    def model(self) -> Any:
        """The model that reads the context: the encoder's decoder, else the base model."""
        return self.encoder.model if self.encoder is not None else self.base_model

    @property
    def levels(self) -> tuple[str, ...]:
        """Levels available, richest first."""
        return self.materials.available

    def _check_hyperword_tokenizer(self) -> None:
        tok = self.hyperword_tokenizer
        if tok is not None and tok.base_vocab_size != len(self.base_tokenizer):
            raise OrchestratorError(
                f"the hyperword tokenizer extends a base vocabulary of {tok.base_vocab_size} "
                f"ids, the model's tokenizer has {len(self.base_tokenizer)}"
            )

    # -- asking ------------------------------------------------------------------------

    def ask(self, question: str, **options: Any) -> Answer:
        """Answer `question` from the store. Options: see `AskOptions`."""
        return self.stream(question, **options).consume()

    def stream(self, question: str, **options: Any) -> AnswerStream:
        """Like `ask`, streamed: iterate for text pieces, then read `.answer`.

        Retrieval runs (and option errors raise) here; the model is used on iteration.
        """
        start = time.perf_counter()
        opts = self.options.with_options(**options)
        if not isinstance(question, str) or not question.strip():
            raise OptionError("the question is empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise OptionError(
                f"the question has {len(question)} characters; at most {MAX_QUESTION_CHARS}"
            )
        levels = self._levels(opts)
        policy = create_policy(opts.policy, **opts.policy_options)
        try:
            template = get_template(opts.template) if opts.template else self.template
        except ValueError as error:
            raise OptionError(str(error)) from None
        with self.store_lock:
            found = retrieve(self.store, question, k=opts.k, where=opts.where, hops=opts.hops)
            stored = self._stored([f.hit for f in found], levels)
        answer_stream = AnswerStream(question, iter(()))
        answer_stream._steps = self._run(
            answer_stream, question, opts, levels, policy, template, found, stored, start
        )
        return answer_stream

    def _levels(self, opts: AskOptions) -> tuple[str, ...]:
        if opts.levels is None:
            return self.levels
        missing = [level for level in opts.levels if level not in self.levels]
        if missing:
            parts = self.materials.parts
            reasons = "; ".join(f"{lv}: {LEVELS[lv].unavailable(parts)}" for lv in missing)
            raise OptionError(f"level(s) unavailable ({reasons}); available: {list(self.levels)}")
        return opts.levels

    def _stored(self, hits: list, levels: tuple[str, ...]) -> dict[str, dict[str, Any]]:
        """Stored column values of `hits` for the levels whose columns are worth reading."""
        ids, stored = [h.id for h in hits], {}
        if not ids:
            return stored
        for level in levels:
            if LEVELS[level].column and self.materials.stored_usable(level):
                chunks = self.store.get(ids, level=level)
                stored[level] = {c.id: c.stored.get(level) for c in chunks}
        return stored

    def _run(
        self,
        holder: AnswerStream,
        question: str,
        opts: AskOptions,
        levels: tuple[str, ...],
        policy: Any,
        template: PromptTemplate,
        found: list[Found],
        stored: dict,
        start: float,
    ) -> Iterator[str]:
        hits = [f.hit for f in found]
        focus = Focus(question, self._embed) if opts.focus else None
        with self.lock:
            sources = self.materials.prepare(hits, levels=levels, stored=stored)
            marker = max(
                (self.markers.positions(self.base_tokenizer, n) for n in range(1, len(hits) + 1)),
                default=0,
            )
            candidates = [
                Candidate(
                    index=i,
                    doc_id=s.hit.doc_id,
                    score=float(s.hit.score),
                    costs={level: s.cost(level) + marker for level in levels},
                    marker=marker,
                )
                for i, s in enumerate(sources)
            ]
            selections = policy.plan(candidates, budget=opts.budget)
            plan = check_plan(selections, candidates, budget=opts.budget, policy=opts.policy)
            retrieval_seconds = time.perf_counter() - start
            with PeakMemory(_device(self.model)) as peak:
                with torch.no_grad():
                    pieces, reports = self._pieces(plan, sources, marker, found, focus)
                    context = "" if pieces else None
                    parts = template.render(question=question, context=context)
                    assembled = assemble(self.model, self.base_tokenizer, parts, pieces)
                tokens = stream_tokens(
                    self.model,
                    self.base_tokenizer,
                    inputs_embeds=assembled.inputs_embeds,
                    max_new_tokens=opts.max_new_tokens,
                    stop_at_newline=opts.stop_at_newline,
                    sampling=opts.sampling,
                )
                text = ""
                for piece in tokens:
                    if opts.stop_at_newline and "\n" in text + piece:
                        piece = (text + piece).split("\n")[0][len(text) :]
                    if not text:
                        piece = piece.lstrip()  # the answer is stripped; so is the stream
                    if piece:
                        text += piece
                        yield piece
            per_level = {level: assembled.level_positions.get(level, 0) for level in levels}
            per_level["markers"] = assembled.marker_positions
            report = AnswerReport(
                budget=opts.budget,
                policy=opts.policy,
                template=template.name,
                levels_available=self.levels,
                tokens_per_level=per_level,
                context_tokens=assembled.context_positions,
                full_context_tokens=sum(len(s.base_ids) for s in sources),
                prompt_tokens=assembled.prompt_positions,
                new_tokens=tokens.new_tokens,
                retrieved=len(hits),
                dropped=len(plan.dropped),
                sources=tuple(reports),
                peak_memory_bytes=peak.peak_bytes,
                kv_cache_bytes=model_kv_cache_bytes(
                    self.model.config,
                    assembled.prompt_positions + tokens.new_tokens,
                    bytes_per_value=_dtype(self.model).itemsize,
                ),
                retrieval_seconds=retrieval_seconds,
                prefill_seconds=tokens.prefill_seconds,
                generation_seconds=tokens.total_seconds,
                total_seconds=time.perf_counter() - start,
                finish_reason=tokens.finish_reason,
            )
            answer_text = tokens.text.split("\n")[0] if opts.stop_at_newline else tokens.text
            holder.answer = Answer(question=question, text=answer_text.strip(), report=report)

    def _embed(self, texts: list[str]) -> Any:
        """The store's retrieval vectors (for focused excerpts), under the store's lock."""
        with self.store_lock:
            return self.store.embed(texts)

    def _pieces(
        self,
        plan: Plan,
        sources: list[Source],
        marker_budget: int,
        found: list[Found],
        focus: Focus | None,
    ) -> tuple[list[Piece], list[SourceReport]]:
        pieces, reports = [], []
        for n, selection in enumerate(plan.selections, start=1):
            source = sources[selection.index]
            keep = None if selection.limit is None else selection.limit - marker_budget
            cut = keep is not None and keep < source.cost(selection.level)
            marker = text_rows(self.model, self.base_tokenizer, self.markers.text(n))  # (m, d)
            content = self.materials.rows(source, selection.level, keep=keep, focus=focus)
            pieces.append(Piece(level=selection.level, marker=marker, content=content))
            hit = source.hit
            reports.append(
                SourceReport(
                    n=n,
                    doc_id=hit.doc_id,
                    chunk_id=hit.id,
                    chunk_index=hit.chunk_index,
                    score=float(hit.score),
                    level=selection.level,
                    positions=int(marker.shape[0] + content.shape[0]),
                    text_tokens=len(source.base_ids),
                    cut=cut,
                    excerpt=cut and focus is not None and selection.level == "text",
                    hop=found[selection.index].hop,
                )
            )
        return pieces, reports


def _device(model: Any) -> Any:
    return getattr(model, "device", None) or next(model.parameters()).device


def _dtype(model: Any) -> Any:
    return getattr(model, "dtype", None) or next(model.parameters()).dtype
