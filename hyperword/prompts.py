"""Prompt templates, kept in one place and recorded by name in every result.

A 270M model needs help to answer extractively: on 60 SQuAD questions, Gemma 3 270M scored
35 F1 with a bare `Context/Question/Answer` prompt and 52 F1 with one invented demonstration
in front. A template renders in three parts (`prefix`, `context`, `suffix`) so that callers
can replace the context with compressed tokens and keep the rest verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass

from hyperword.registry import Registry

__all__ = [
    "DEFAULT_TEMPLATE",
    "PROMPT_TEMPLATES",
    "PromptParts",
    "PromptTemplate",
    "get_template",
    "register_template",
    "template_for_model",
]


@dataclass(frozen=True)
class PromptParts:
    """A rendered prompt split around its context: `prefix + context + suffix`."""

    prefix: str
    context: str
    suffix: str

    @property
    def text(self) -> str:
        return self.prefix + self.context + self.suffix


@dataclass(frozen=True)
class PromptTemplate:
    """An extractive-QA prompt: optional demonstrations, then context, question, `Answer:`.

    Args:
        name: Registry key, recorded in results.
        demonstrations: `(context, question, answer)` triples shown before the real question.
        question_first: Also ask the question before the context (`Question: ...\nContext:
            ...\nQuestion: ...\nAnswer:`), so that a causal decoder reads the context, soft
            tokens included, knowing what is asked. The closed-book form is unchanged.
    """

    name: str
    demonstrations: tuple[tuple[str, str, str], ...] = ()
    question_first: bool = False

    def render(self, *, question: str, context: str | None) -> PromptParts:
        """Render the prompt; `context=None` gives the closed-book form (no context lines)."""
        closed_book = context is None
        shots = "".join(
            self._block(None if closed_book else demo_context, demo_question) + f" {answer}\n\n"
            for demo_context, demo_question, answer in self.demonstrations
        )
        if closed_book:
            return PromptParts(prefix=shots, context="", suffix=self._block(None, question))
        return PromptParts(
            prefix=shots + self._lead(question) + "Context: ",
            context=context,
            suffix=f"\nQuestion: {question}\nAnswer:",
        )

    def _lead(self, question: str) -> str:
        return f"Question: {question}\n" if self.question_first else ""

    def _block(self, context: str | None, question: str) -> str:
        lead = "" if context is None else f"{self._lead(question)}Context: {context}\n"
        return f"{lead}Question: {question}\nAnswer:"


PROMPT_TEMPLATES: Registry[PromptTemplate] = Registry("prompt template")


def register_template(template: PromptTemplate) -> PromptTemplate:
    """Add a template; a name already taken raises `ValueError`."""
    return PROMPT_TEMPLATES.add(template.name, template)


def get_template(name: str) -> PromptTemplate:
    """The template registered as `name` (`UnknownNameError` when there is none)."""
    return PROMPT_TEMPLATES[name]


register_template(PromptTemplate(name="qa-bare"))
register_template(PromptTemplate(name="qa-question-first", question_first=True))
register_template(
    PromptTemplate(
        name="qa-1shot",
        demonstrations=(
            (
                "The Harrowgate Clock Tower was finished in 1788 by the clockmaker Anselm "
                "Rudd. Its bell, called Old Mag, weighs four tonnes.",
                "How much does Old Mag weigh?",
                "four tonnes",
            ),
        ),
    )
)

DEFAULT_TEMPLATE = "qa-1shot"
_MODEL_TEMPLATES = {"gemma-3-270m": "qa-1shot", "smollm2-135m": "qa-1shot"}


def template_for_model(model_name: str | None) -> PromptTemplate:
    """The template measured best for a model alias; `qa-1shot` for any other model."""
    return get_template(_MODEL_TEMPLATES.get(str(model_name), DEFAULT_TEMPLATE))
