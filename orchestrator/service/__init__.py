"""The HTTP service: `hyperword serve --store DIR` (FastAPI + uvicorn).

Endpoints: `GET /healthz`, `POST /v1/memory`, `DELETE /v1/memory/{doc_id}`, `POST /v1/search`,
`POST /v1/ask`, `POST /v1/chat/completions` (OpenAI-compatible, `stream: true` as SSE),
`GET /v1/models`, `GET /v1/models/{id}`.
Needs the `serve` extra (`pip install 'hyperword[serve]'`).
"""

from __future__ import annotations

from typing import Any

from orchestrator.service.state import ServiceConfig

__all__ = ["ServiceConfig", "create_app", "serve"]


def create_app(config: Any) -> Any:
    """The FastAPI app for a `ServiceConfig` (loads the model and opens the stores)."""
    _require_serve_extra()
    from orchestrator.service.app import create_app as build

    return build(config)


def serve(config: ServiceConfig, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Load everything, then serve until interrupted."""
    app = create_app(config)
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=5)


def _require_serve_extra() -> None:
    from hyperword.exceptions import MissingPackageError

    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise MissingPackageError(
            f"the service needs fastapi and uvicorn ({error}); "
            "install them with: pip install 'hyperword[serve]'"
        ) from None
