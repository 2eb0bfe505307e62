"""Budget planning, sequence assembly (`inputs_embeds`), generation and the HTTP service.

```python
from orchestrator import Orchestrator

orch = Orchestrator("memory/", encoder="auto", tokenizer="auto", budget=256)
answer = orch.ask("Who designed the Velloran Glass Bridge?")
print(answer.text, answer.report.context_tokens, answer.report.compression_ratio)
```
"""

from __future__ import annotations

from hyperword.levels import LEVELS
from orchestrator.answer import Answer, AnswerReport, SourceReport
from orchestrator.assembly import Assembled, MarkerStyle, Piece, assemble
from orchestrator.compression import CompressedContext, CompressedSource
from orchestrator.conversation import Turn, split_messages
from orchestrator.exceptions import OptionError, OrchestratorError, PolicyError, UnknownPolicyError
from orchestrator.options import AskOptions
from orchestrator.orchestrator import AnswerStream, Orchestrator
from orchestrator.planner import Candidate, Plan, Selection, check_plan
from orchestrator.policy import (
    POLICIES,
    DefaultPolicy,
    FixedLevelPolicy,
    Policy,
    create_policy,
    register_policy,
)
from orchestrator.text_compressor import TextCompressor

__all__ = [
    "LEVELS",
    "POLICIES",
    "Answer",
    "AnswerReport",
    "AnswerStream",
    "AskOptions",
    "Assembled",
    "Candidate",
    "CompressedContext",
    "CompressedSource",
    "DefaultPolicy",
    "FixedLevelPolicy",
    "MarkerStyle",
    "OptionError",
    "Orchestrator",
    "OrchestratorError",
    "Piece",
    "Plan",
    "Policy",
    "PolicyError",
    "Selection",
    "SourceReport",
    "TextCompressor",
    "Turn",
    "UnknownPolicyError",
    "assemble",
    "check_plan",
    "create_policy",
    "register_policy",
    "split_messages",
]
