"""`Orchestrator`: a question, a store, a budget; out comes an answer and what it cost.

`ask` runs top to bottom, each step handing the next what it computed:

    retrieve  the question embedded once; its hits, with the stored level values, from one
              search (a second from the best hit's bridge sentence with hops=2; retrieval.py)
    plan      each hit costed at every available level (candidates.py), a level per
              candidate under the budget (the policy, checked by planner.check_plan)
    assemble  one inputs_embeds sequence (assembly.py; a cut verbatim source keeps its
              sentences nearest the question, extractive.py)
    generate  greedy or sampled, streamed, the answer cut at its first line
    report    Answer + AnswerReport

Loading (store folder, model name, encoder and hyperword tokenizer) is `loading.load_parts`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import torch

from hyperword.generation import TokenStream, answer_pieces, answer_text
from hyperword.generation import stream as stream_tokens
from hyperword.levels import LEVELS, Excerpt, LevelParts, ladder
from hyperword.memory import PeakMemory, model_kv_cache_bytes
from hyperword.prompts import PromptTemplate, get_template
from hyperword.rows import text_rows
from orchestrator.answer import Answer, AnswerReport, SourceReport
from orchestrator.assembly import Assembled, MarkerStyle, Piece, assemble
from orchestrator.candidates import candidate_rows, cost_candidates
from orchestrator.exceptions import OptionError, OrchestratorError
from orchestrator.extractive import SentenceScorer
from orchestrator.loading import load_parts, reader_template
from orchestrator.options import AskOptions
from orchestrator.planner import Candidate, Plan, check_plan
from orchestrator.policy import Policy, create_policy
from orchestrator.retrieval import retrieve

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
    """Answers questions from a mnemonic store under a budget of context tokens.

    Args:
        store: A `mnemonic.MnemonicStore`, or the folder of one.
        model: A base-model alias or folder (loaded here), or a loaded causal LM; by default
            the encoder's decoder when an encoder object is given, else `gemma-3-270m`.
        base_tokenizer: The loaded model's tokenizer (taken from `encoder` or the hyperword
            tokenizer when omitted).
        encoder: A `SoftTokenEncoder` (enables the soft levels; it also becomes the reader:
            its decoder generates), a folder, `"auto"` (the trained default when there is
            one) or None.
        tokenizer: A `HyperwordTokenizer` (enables `hyperword`), a folder, `"auto"`
            (`$HYPERWORD_TOKENIZER`, else the one shipped for the model, if any) or None.
        budget: Default context budget (tokens: sources plus their markers).
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
        loaded = load_parts(
            store,
            model=model,
            base_tokenizer=base_tokenizer,
            encoder=encoder,
            tokenizer=tokenizer,
            device=device,
        )
        self.store, self.base_model = loaded.store, loaded.model
        self.base_tokenizer, self.encoder = loaded.base_tokenizer, loaded.encoder
        self.hyperword_tokenizer = loaded.hyperword_tokenizer
        overrides = {"budget": budget, "policy": policy}
        defaults = options or AskOptions()
        self.options = defaults.with_options(**{k: v for k, v in overrides.items() if v})
        create_policy(self.options.policy, **self.options.policy_options)  # fail early
        self.markers = markers or MarkerStyle()
        self.lock = lock or threading.Lock()
        self.store_lock = store_lock or threading.Lock()
        manifest = getattr(self.store, "manifest", None)
        self.parts = LevelParts(
            self.model,
            self.base_tokenizer,
            hyperword_tokenizer=self.hyperword_tokenizer,
            encoder=self.encoder,
            stored_by=manifest.encoders if manifest is not None else {},
        )
        self.levels: tuple[str, ...] = tuple(  # available, richest first
            level.name for level in ladder() if level.unavailable(self.parts) is None
        )
        self.template = reader_template(self.encoder, self.base_model)

    @property
    def model(self) -> Any:
        """The model that reads the context: the encoder's decoder, else the base model."""
        return self.encoder.model if self.encoder is not None else self.base_model

    # -- asking ------------------------------------------------------------------------

    def ask(self, question: str, **options: Any) -> Answer:
        """Answer `question` from the store. Options: see `AskOptions`."""
        return self.stream(question, **options).consume()

    def stream(self, question: str, **options: Any) -> AnswerStream:
        """Like `ask`, streamed: iterate for text pieces, then read `.answer`.

        Retrieval runs (and option errors raise) here; the model is used on iteration.
        """
        start = time.perf_counter()
        opts, levels, policy, template = self._checked(question, options)
        stored = [lv for lv in levels if LEVELS[lv].column and LEVELS[lv].stored_usable(self.parts)]
        with self.store_lock:
            vector = self.store.embed([question])[0]  # embedded once: search, bridge, excerpts
            found = retrieve(
                self.store,
                question,
                k=opts.k,
                where=opts.where,
                hops=opts.hops,
                levels=stored,
                vector=vector,
                mode=opts.mode,
                links=opts.links,
            )
        answer_stream = AnswerStream(question, iter(()))
        scorer = None
        if opts.focus:  # extractive excerpts (cut under the model's lock; see _embed)
            scorer = SentenceScorer(question, self._embed, question_vector=vector)
        steps = self._answer(answer_stream, opts, levels, policy, template, found, scorer, start)
        answer_stream._steps = steps
        return answer_stream

    def _checked(
        self, question: str, options: dict[str, Any]
    ) -> tuple[AskOptions, tuple[str, ...], Policy, PromptTemplate]:
        """The options, levels, policy and template of one ask; `OptionError` when bad."""
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
        return opts, levels, policy, template

    def _levels(self, opts: AskOptions) -> tuple[str, ...]:
        if opts.levels is None:
            return self.levels
        missing = [level for level in opts.levels if level not in self.levels]
        if missing:
            reasons = "; ".join(f"{lv}: {LEVELS[lv].unavailable(self.parts)}" for lv in missing)
            raise OptionError(f"level(s) unavailable ({reasons}); available: {list(self.levels)}")
        return opts.levels

    def _answer(
        self,
        holder: AnswerStream,
        opts: AskOptions,
        levels: tuple[str, ...],
        policy: Policy,
        template: PromptTemplate,
        found: list[tuple[Any, int]],
        scorer: SentenceScorer | None,
        start: float,
    ) -> Iterator[str]:
        """Plan, assemble, generate (yielding the answer's pieces), then report."""
        with self.lock:
            candidates = self._candidates(found, levels)
            selections = policy.plan(candidates, budget=opts.budget)
            plan = check_plan(selections, candidates, budget=opts.budget, policy=opts.policy)
            retrieval_seconds = time.perf_counter() - start
            with PeakMemory(_device(self.model)) as peak:
                assembled, sources = self._assemble(
                    holder.question, template, plan, candidates, scorer
                )
                tokens = stream_tokens(
                    self.model,
                    self.base_tokenizer,
                    inputs_embeds=assembled.inputs_embeds,
                    max_new_tokens=opts.max_new_tokens,
                    stop_at_newline=opts.stop_at_newline,
                    sampling=opts.sampling,
                )
                yield from answer_pieces(tokens, stop_at_newline=opts.stop_at_newline)
            report = self._report(
                opts,
                levels,
                template,
                candidates,
                plan,
                assembled,
                sources,
                tokens,
                peak_bytes=peak.peak_bytes,
                retrieval_seconds=retrieval_seconds,
                total_seconds=time.perf_counter() - start,
            )
            text = answer_text(tokens.text, stop_at_newline=opts.stop_at_newline)
            holder.answer = Answer(question=holder.question, text=text, report=report)

    def _embed(self, texts: list[str]) -> Any:
        """The store's retrieval vectors (for focused excerpts), under the store's lock."""
        with self.store_lock:
            return self.store.embed(texts)

    def _candidates(self, found: list[tuple[Any, int]], levels: tuple[str, ...]) -> list[Candidate]:
        """The hits costed at `levels`, each with the longest source marker's tokens."""
        tokenizer = self.base_tokenizer
        sizes = (self.markers.tokens(tokenizer, n) for n in range(1, len(found) + 1))
        marker = max(sizes, default=0)
        return cost_candidates(found, levels=levels, parts=self.parts, marker=marker)

    def _assemble(
        self,
        question: str,
        template: PromptTemplate,
        plan: Plan,
        candidates: list[Candidate],
        scorer: SentenceScorer | None,
    ) -> tuple[Assembled, list[SourceReport]]:
        """The prompt with the planned sources as its context, and a report per source."""
        excerpt = self._excerpt(scorer)
        pieces, sources = [], []
        with torch.no_grad():
            for n, selection in enumerate(plan.selections, start=1):
                candidate = candidates[selection.index]
                level = selection.level
                keep = None if selection.limit is None else selection.limit - candidate.marker
                marker = text_rows(self.model, self.base_tokenizer, self.markers.text(n))  # (m, d)
                content = candidate_rows(candidate, level, self.parts, keep=keep, excerpt=excerpt)
                pieces.append(Piece(level=level, marker=marker, content=content))
                cut = keep is not None and keep < candidate.costs[level] - candidate.marker
                tokens = int(marker.shape[0] + content.shape[0])
                sources.append(_source_report(n, candidate, level, tokens, cut, scorer))
            parts = template.render(question=question, context="" if pieces else None)
            assembled = assemble(self.model, self.base_tokenizer, parts, pieces)
        return assembled, sources

    def _excerpt(self, scorer: SentenceScorer | None) -> Excerpt | None:
        """Cuts a verbatim source to its sentences nearest the question (None: a prefix)."""
        if scorer is None:
            return None
        return lambda text, keep: scorer.excerpt(self.base_tokenizer, text, keep)

    def _report(
        self,
        opts: AskOptions,
        levels: tuple[str, ...],
        template: PromptTemplate,
        candidates: list[Candidate],
        plan: Plan,
        assembled: Assembled,
        sources: list[SourceReport],
        tokens: TokenStream,
        *,
        peak_bytes: int,
        retrieval_seconds: float,
        total_seconds: float,
    ) -> AnswerReport:
        """What the answer cost: tokens per level, memory and time."""
        per_level = {level: assembled.level_tokens.get(level, 0) for level in levels}
        per_level["markers"] = assembled.marker_tokens
        return AnswerReport(
            budget=opts.budget,
            policy=opts.policy,
            template=template.name,
            levels_available=self.levels,
            tokens_per_level=per_level,
            context_tokens=assembled.context_tokens,
            full_context_tokens=sum(len(c.base_ids) for c in candidates),
            prompt_tokens=assembled.prompt_tokens,
            new_tokens=tokens.new_tokens,
            retrieved=len(candidates),
            dropped=len(plan.dropped),
            sources=tuple(sources),
            peak_memory_bytes=peak_bytes,
            kv_cache_bytes=model_kv_cache_bytes(
                self.model.config,
                assembled.prompt_tokens + tokens.new_tokens,
                bytes_per_value=_dtype(self.model).itemsize,
            ),
            retrieval_seconds=retrieval_seconds,
            prefill_seconds=tokens.prefill_seconds,
            generation_seconds=tokens.total_seconds,
            total_seconds=total_seconds,
            finish_reason=tokens.finish_reason,
        )


def _source_report(
    n: int, candidate: Candidate, level: str, tokens: int, cut: bool, scorer: SentenceScorer | None
) -> SourceReport:
    hit = candidate.hit
    return SourceReport(
        n=n,
        doc_id=hit.doc_id,
        chunk_id=hit.id,
        chunk_index=hit.chunk_index,
        score=float(hit.score),
        level=level,
        tokens=tokens,
        text_tokens=len(candidate.base_ids),
        cut=cut,
        excerpt=cut and scorer is not None and LEVELS[level].excerpts,
        hop=candidate.hop,
    )


def _device(model: Any) -> Any:
    return getattr(model, "device", None) or next(model.parameters()).device


def _dtype(model: Any) -> Any:
    return getattr(model, "dtype", None) or next(model.parameters()).dtype
