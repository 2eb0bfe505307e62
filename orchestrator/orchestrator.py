"""`Orchestrator`: a question, a store, a budget; out comes an answer and what it cost.

`ask` runs top to bottom, each step handing the next what it computed:

    retrieve  the question (after the previous user message, in a chat) embedded once; its
              hits, with the stored values, from one search (a second with hops=2)
    plan      each hit costed at every available level (candidates.py), a level per
              candidate under the budget less the conversation's tokens (the policy,
              checked by planner.check_plan), each planned source described: its level,
              its excerpt when cut (compression.py; `compress` stops here)
    assemble  one inputs_embeds sequence: the conversation, then the sources (assembly.py)
    generate  greedy or sampled, streamed, the answer cut at its first line or stop sequence;
              yes/no and either-or questions answered with their likeliest option
              (hyperword.answer_forms)
    report    Answer + AnswerReport

Loading (store folder, model name, encoder and hyperword tokenizer) is `loading.load_parts`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

import torch

from hyperword.answer_forms import answer_stream
from hyperword.generation import TokenStream, answer_pieces, answer_text, count_tokens
from hyperword.levels import LEVELS, LevelParts, ladder
from hyperword.memory import PeakMemory, model_kv_cache_bytes
from hyperword.prompts import PromptTemplate, get_template
from hyperword.rows import text_rows, token_rows
from hyperword.text_files import check_unicode
from orchestrator.answer import Answer, AnswerReport
from orchestrator.assembly import Assembled, MarkerStyle, Piece, assemble
from orchestrator.compression import CompressedContext, plan_context, score_documents
from orchestrator.conversation import (
    HISTORY,
    HISTORY_SHARE,
    Turn,
    fit_history,
    retrieval_query,
)
from orchestrator.exceptions import OptionError, OrchestratorError
from orchestrator.extractive import SentenceScorer
from orchestrator.limits import check_fits, max_positions
from orchestrator.loading import load_parts, reader_template
from orchestrator.options import AskOptions, planning_options
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
            that share a model). The store needs none: its reads are thread-safe and see
            the last committed state while another thread or process writes.
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
        self.max_positions = max_positions(self.model)  # the model's limit (limits.py)
        self.model_name = str(getattr(self.model, "name_or_path", "") or "the model")
        check_fits(
            budget=self.options.budget,
            prompt_tokens=0,
            max_new_tokens=self.options.max_new_tokens,
            limit=self.max_positions,
            model=self.model_name,
        )

    @property
    def model(self) -> Any:
        """The model that reads the context: the encoder's decoder, else the base model."""
        return self.encoder.model if self.encoder is not None else self.base_model

    # -- asking ------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        context: CompressedContext | None = None,
        **options: Any,
    ) -> Answer:
        """Answer `question` from the store. Options: see `AskOptions`.

        Args:
            question: The question (the last user message of a chat).
            history: Earlier chat messages (`Turn`s), read within the budget
                (`orchestrator.conversation`).
            context: A context planned by `compress`, read as planned (no retrieval);
                only the generation options may be given then.
        """
        return self.stream(question, history=history, context=context, **options).consume()

    def stream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        context: CompressedContext | None = None,
        **options: Any,
    ) -> AnswerStream:
        """Like `ask`, streamed: iterate for text pieces, then read `.answer`.

        Retrieval and planning run (and option errors raise) here; the model generates on
        iteration.
        """
        start = time.perf_counter()
        if context is not None:
            _check_reading(options, history)
        opts, levels, policy, template = self._checked(question, options)
        if context is None:
            context = self._compress(question, opts, levels, policy, history, None, start)
        answer_stream = AnswerStream(question, iter(()))
        answer_stream._steps = self._answer(answer_stream, opts, levels, template, context, start)
        return answer_stream

    def compress(
        self,
        question: str,
        *,
        documents: Sequence[Any] | None = None,
        history: Sequence[Turn] = (),
        **options: Any,
    ) -> CompressedContext:
        """Retrieve (or score `documents`) and spend the budget as `ask` does; no generation.

        Args:
            question: The question the context is for.
            documents: Chunks retrieved elsewhere (`Hit`s, or objects with `text`), used
                instead of searching the store; scored against the question here.
            history: Earlier chat messages, paid for from the budget.
            **options: `AskOptions` fields.

        Returns:
            The planned sources, each with its level, what it stands for and its tokens.
        """
        opts, levels, policy, _ = self._checked(question, options)
        return self._compress(
            question, opts, levels, policy, history, documents, time.perf_counter()
        )

    def _compress(
        self,
        question: str,
        opts: AskOptions,
        levels: tuple[str, ...],
        policy: Policy,
        history: Sequence[Turn],
        documents: Sequence[Any] | None,
        start: float,
    ) -> CompressedContext:
        fitted = fit_history(history, self.base_tokenizer, room=int(opts.budget * HISTORY_SHARE))
        found, scorer = self._retrieve(retrieval_query(question, history), opts, levels, documents)
        with self.lock:  # soft levels may be encoded while costing
            context = plan_context(
                question,
                found,
                parts=self.parts,
                levels=levels,
                policy=policy,
                options=opts,
                markers=self.markers,
                scorer=scorer,
                history=fitted,
            )
        return replace(context, retrieval_seconds=time.perf_counter() - start)

    def _retrieve(
        self, query: str, opts: AskOptions, levels: tuple[str, ...], documents: Any
    ) -> tuple[list[tuple[Any, int]], SentenceScorer | None]:
        """`(hit, hop)` pairs for `query` (from the store, or `documents` scored), and the
        scorer of excerpts (None without `focus`); the query is embedded once."""
        stored = [lv for lv in levels if LEVELS[lv].column and LEVELS[lv].stored_usable(self.parts)]
        vector = self.store.embed([query])[0]  # embedded once: search, bridge, excerpts
        if documents is not None:
            found = score_documents(documents, vector, self.store.embed)[: opts.k]
        else:
            found = retrieve(
                self.store,
                query,
                k=opts.k,
                where=opts.where,
                hops=opts.hops,
                levels=stored,
                vector=vector,
                mode=opts.mode,
                links=opts.links,
            )
        if not opts.focus:
            return found, None
        return found, SentenceScorer(query, self._embed, question_vector=vector)

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
        check_unicode(question, "the question", error=OptionError)
        levels = self._levels(opts)
        policy = create_policy(opts.policy, **opts.policy_options)
        try:
            template = get_template(opts.template) if opts.template else self.template
        except ValueError as error:
            raise OptionError(str(error)) from None
        parts = template.render(question=question, context="")
        check_fits(
            budget=opts.budget,
            prompt_tokens=count_tokens(self.base_tokenizer, parts.text) + 1,  # and a BOS
            max_new_tokens=opts.max_new_tokens,
            limit=self.max_positions,
            model=self.model_name,
        )
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
        template: PromptTemplate,
        context: CompressedContext,
        start: float,
    ) -> Iterator[str]:
        """Assemble the planned context, generate (yielding the answer's pieces), report."""
        with self.lock:
            with PeakMemory(_device(self.model)) as peak:
                assembled = self._assemble(holder.question, template, context)
                tokens = answer_stream(
                    self.model,
                    self.base_tokenizer,
                    question=holder.question,
                    forms=opts.answer_forms,
                    inputs_embeds=assembled.inputs_embeds,
                    max_new_tokens=opts.max_new_tokens,
                    stop_at_newline=opts.stop_at_newline,
                    sampling=opts.sampling,
                    stop=opts.stop or (),
                )
                cut = {"stop_at_newline": opts.stop_at_newline, "stop": opts.stop or ()}
                yield from answer_pieces(tokens, **cut)
            report = self._report(
                context,
                levels,
                template,
                assembled,
                tokens,
                peak_bytes=peak.peak_bytes,
                total_seconds=time.perf_counter() - start,
            )
            text = answer_text(tokens.text, **cut)
            holder.answer = Answer(question=holder.question, text=text, report=report)

    def _embed(self, texts: list[str]) -> Any:
        """The store's retrieval vectors (for focused excerpts)."""
        return self.store.embed(texts)

    def _assemble(
        self, question: str, template: PromptTemplate, context: CompressedContext
    ) -> Assembled:
        """The prompt with the conversation and the planned sources as its context."""
        pieces = []
        with torch.no_grad():
            if context.history.ids:
                rows = token_rows(self.model, context.history.ids)  # (h, d)
                pieces.append(Piece(level=HISTORY, marker=rows[:0], content=rows))
            for source in context.sources:
                marker = text_rows(self.model, self.base_tokenizer, self.markers.text(source.n))
                level = LEVELS[source.level]
                content = level.rows(source.text, source.base_ids, source.value, self.parts)
                pieces.append(Piece(level=source.level, marker=marker, content=content))
            parts = template.render(question=question, context="" if pieces else None)
            return assemble(self.model, self.base_tokenizer, parts, pieces)

    def _report(
        self,
        context: CompressedContext,
        levels: tuple[str, ...],
        template: PromptTemplate,
        assembled: Assembled,
        tokens: TokenStream,
        *,
        peak_bytes: int,
        total_seconds: float,
    ) -> AnswerReport:
        """What the answer cost: tokens per level, memory and time."""
        per_level = {level: assembled.level_tokens.get(level, 0) for level in levels}
        per_level["markers"] = assembled.marker_tokens
        if context.history.ids:
            per_level[HISTORY] = assembled.level_tokens[HISTORY]
        return AnswerReport(
            budget=context.budget,
            policy=context.policy,
            template=template.name,
            levels_available=self.levels,
            tokens_per_level=per_level,
            context_tokens=assembled.context_tokens,
            full_context_tokens=context.full_context_tokens,
            prompt_tokens=assembled.prompt_tokens,
            new_tokens=tokens.new_tokens,
            retrieved=context.retrieved,
            dropped=len(context.dropped),
            sources=tuple(source.report() for source in context.sources),
            peak_memory_bytes=peak_bytes,
            kv_cache_bytes=model_kv_cache_bytes(
                self.model.config,
                assembled.prompt_tokens + tokens.new_tokens,
                bytes_per_value=_dtype(self.model).itemsize,
            ),
            retrieval_seconds=context.retrieval_seconds,
            prefill_seconds=tokens.prefill_seconds,
            generation_seconds=tokens.total_seconds,
            total_seconds=total_seconds,
            finish_reason=tokens.finish_reason,
            history_messages=context.history.kept,
            history_dropped=context.history.dropped,
        )


def _check_reading(options: dict[str, Any], history: Sequence[Turn]) -> None:
    """With a planned context only generation options may be given (`OptionError`)."""
    planning = sorted(set(options) & set(planning_options()))
    if planning or history:
        given = ", ".join(planning + (["history"] if history else []))
        raise OptionError(f"{given} cannot be given with a planned context; pass them to compress")


def _device(model: Any) -> Any:
    return getattr(model, "device", None) or next(model.parameters()).device


def _dtype(model: Any) -> Any:
    return getattr(model, "dtype", None) or next(model.parameters()).dtype
