"""`HyperwordQueryEngine`: our model reads retrieved nodes at the levels the orchestrator
plans for them (hyperword ids, soft tokens), not as a text prompt."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.response.schema import Response
from llama_index.core.bridge.pydantic import ConfigDict, Field
from llama_index.core.query_engine import CustomQueryEngine
from llama_index.core.schema import QueryBundle

from hyperword.integrations.common import PLANNED_BUDGET, PLANNED_SOURCE, context_from_sources
from hyperword.integrations.llama_index.postprocessor import HyperwordPostprocessor
from hyperword.integrations.llama_index.retriever import HyperwordRetriever

__all__ = ["HyperwordQueryEngine"]


class HyperwordQueryEngine(CustomQueryEngine):
    """Retrieve, spend the budget with the orchestrator, and answer with its model.

    The response's `source_nodes` are the planned nodes (metadata `level`,
    `context_tokens`, ...) and `metadata["hyperword"]` the answer's report.

    Attributes:
        orchestrator: An `orchestrator.Orchestrator`.
        retriever: Any LlamaIndex retriever (default: `HyperwordRetriever` over the
            orchestrator's store, `k` 16).
        options: `AskOptions` fields for every query (`budget`, `max_new_tokens`, ...).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    orchestrator: Any
    retriever: Any = None
    options: dict[str, Any] = Field(default_factory=dict)

    def custom_query(self, query_str: str) -> Response:
        from orchestrator.options import planning_options

        retriever = self.retriever or HyperwordRetriever(
            self.orchestrator.store, search_kwargs={"k": 16}
        )
        nodes = retriever.retrieve(query_str)
        planning = {k: v for k, v in self.options.items() if k in planning_options()}
        planner = HyperwordPostprocessor(compressor=self.orchestrator, options=planning)
        planned = planner.postprocess_nodes(nodes, QueryBundle(query_str))
        sources = [n.node.metadata[PLANNED_SOURCE] for n in planned]
        default = planning.get("budget", self.orchestrator.options.budget)
        budget = max((n.node.metadata[PLANNED_BUDGET] for n in planned), default=default)
        context = context_from_sources(query_str, sources, budget=budget)
        generation = {k: v for k, v in self.options.items() if k not in planning}
        answer = self.orchestrator.ask(query_str, context=context, **generation)
        report = answer.report.to_dict()
        return Response(response=answer.text, source_nodes=planned, metadata={"hyperword": report})
