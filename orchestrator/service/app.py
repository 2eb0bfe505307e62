"""The FastAPI app: memory (add, delete, search), ask, OpenAI-compatible chat completions.

Handlers are plain `def`s, so FastAPI runs them in its thread pool; generation is serialized
by `ServiceState`'s model lock and store writes by its write lock, while searches answer from
the last committed state during a write. Streaming answers are produced by a thread that
always runs to the end (releasing the model even if the client goes away).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from hyperword import __version__
from hyperword.text_files import check_unicode
from orchestrator.conversation import Turn, split_messages
from orchestrator.exceptions import OptionError
from orchestrator.options import ask_fields
from orchestrator.orchestrator import AnswerStream
from orchestrator.service.body_limit import BodyLimitMiddleware
from orchestrator.service.chat import (
    completion,
    completion_chunk,
    new_completion_id,
    sse,
    usage,
)
from orchestrator.service.errors import (
    ServiceError,
    error_body,
    install_error_handlers,
    public_message,
    status_for,
)
from orchestrator.service.schemas import (
    AddDocumentsRequest,
    AskRequest,
    ChatCompletionRequest,
    SearchRequest,
)
from orchestrator.service.state import ServiceConfig, ServiceState

__all__ = ["create_app"]

logger = logging.getLogger(__name__)


def _ask_options(body: Any, **extra: Any) -> dict[str, Any]:
    """The `AskOptions` a request sets (unset ones keep the service's defaults)."""
    options = {s.name: getattr(body, s.name, None) for s in ask_fields()}
    options.update(extra)
    return {name: value for name, value in options.items() if value is not None}


def create_app(config: ServiceConfig | ServiceState) -> FastAPI:
    """Build the app; loads the model and opens the stores unless given a `ServiceState`."""
    state = config if isinstance(config, ServiceState) else ServiceState(config)
    app = FastAPI(title="Hyperword", version=__version__)
    app.state.hyperword = state
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=state.config.max_body_bytes)
    _memory_routes(app, state)
    _answer_routes(app, state)
    _model_routes(app, state, created=int(time.time()))
    return app


def _model_routes(app: FastAPI, state: ServiceState, *, created: int) -> None:
    """OpenAI's `GET /v1/models` and `GET /v1/models/{id}` (clients list models first)."""

    def describe() -> dict[str, Any]:
        name = state.config.served_model_name
        return {"id": name, "object": "model", "created": created, "owned_by": "hyperword"}

    @app.get("/v1/models")
    def list_models() -> dict[str, Any]:
        return {"object": "list", "data": [describe()]}

    @app.get("/v1/models/{model_id:path}")
    def get_model(model_id: str) -> dict[str, Any]:
        if model_id != state.config.served_model_name:
            raise ServiceError(
                404, f"no model '{model_id}'; this service serves '{describe()['id']}'"
            )
        return describe()


def _memory_routes(app: FastAPI, state: ServiceState) -> None:
    """`/healthz`, and adding, deleting and searching memory."""

    @app.get("/healthz")
    def healthz() -> dict[str, Any]:
        return state.health()

    @app.post("/v1/memory")
    def add_memory(body: AddDocumentsRequest) -> dict[str, Any]:
        documents = [d.model_dump() for d in body.documents]
        report = state.add(body.store, documents)
        return {
            "store": body.store or state.default_store,
            "documents_written": report.documents_written,
            "documents_unchanged": report.documents_unchanged,
            "chunks_written": report.chunks_written,
            "seconds": report.seconds,
        }

    @app.delete("/v1/memory/{doc_id:path}")
    def delete_memory(doc_id: str, store: str | None = None) -> dict[str, Any]:
        check_unicode(doc_id, "doc_id", error=OptionError)
        removed = state.delete(store, doc_id)
        return {"store": store or state.default_store, "doc_id": doc_id, "chunks_removed": removed}

    @app.post("/v1/search")
    def search(body: SearchRequest) -> dict[str, Any]:
        return state.search(
            body.store, body.query, k=body.k, where=body.where, mode=body.mode, links=body.links
        )


def _answer_routes(app: FastAPI, state: ServiceState) -> None:
    """`/v1/ask` and the OpenAI-compatible `/v1/chat/completions`."""

    @app.post("/v1/ask")
    def ask(body: AskRequest) -> dict[str, Any]:
        orchestrator = state.orchestrator(body.store)
        return orchestrator.ask(body.question, **_ask_options(body)).to_dict()

    @app.post("/v1/chat/completions", response_model=None)
    def chat_completions(body: ChatCompletionRequest) -> dict[str, Any] | StreamingResponse:
        question, history = split_messages([Turn(m.role, m.text()) for m in body.messages])
        options = _ask_options(body, max_new_tokens=body.max_completion_tokens or body.max_tokens)
        orchestrator = state.orchestrator(body.store)
        model = body.model or state.config.served_model_name
        if not body.stream:
            return completion(orchestrator.ask(question, history=history, **options), model=model)
        answer_stream = orchestrator.stream(question, history=history, **options)  # 4xx here
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return StreamingResponse(
            _chat_events(answer_stream, model=model, include_usage=include_usage),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache"},
        )


async def _pump(answer_stream: AnswerStream) -> AsyncIterator[tuple[str, Any]]:
    """`("piece", text)`... then `("done", answer)` or `("error", exception)`."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()

    def put(item: tuple[str, Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone (server shutting down)
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def produce() -> None:
        try:
            for piece in answer_stream:
                put(("piece", piece))
            put(("done", answer_stream.answer))
        except Exception as error:
            logger.exception("streaming an answer failed")
            put(("error", error))

    threading.Thread(target=produce, name="hyperword-stream", daemon=True).start()
    while True:
        kind, value = await queue.get()
        yield kind, value
        if kind != "piece":
            return


async def _chat_events(
    answer_stream: AnswerStream, *, model: str, include_usage: bool
) -> AsyncIterator[str]:
    completion_id, created = new_completion_id(), int(time.time())

    def chunk(**fields: Any) -> str:
        return sse(completion_chunk(completion_id, model=model, created=created, **fields))

    yield chunk(delta={"role": "assistant", "content": ""})
    async for kind, value in _pump(answer_stream):
        if kind == "piece":
            yield chunk(delta={"content": value})
        elif kind == "done":
            report = value.report
            yield chunk(delta={}, finish_reason=report.finish_reason, hyperword=report.to_dict())
            if include_usage:
                yield chunk(usage=usage(value))
        else:
            status = status_for(value)
            yield sse(error_body(status, public_message(value, status)))
    yield sse("[DONE]")
