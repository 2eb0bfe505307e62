"""Errors as JSON (`{"error": {"message", "type", "code"}}`, OpenAI's shape) and their statuses.

Bad input is always a 4xx with a message saying what was wrong; only faults of the service
itself are a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from hyperword.exceptions import HyperwordError

__all__ = ["ServiceError", "error_body", "install_error_handlers", "public_message", "status_for"]

logger = logging.getLogger(__name__)

_TYPES = {
    400: "invalid_request_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    413: "request_too_large",
    415: "invalid_request_error",
    422: "invalid_request_error",
    500: "server_error",
    503: "service_unavailable",
}


class ServiceError(HyperwordError):
    """An error with an HTTP status (unknown store, unknown document, ...)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": _TYPES.get(status, "error"), "code": status}}


def _response(status: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status)


def public_message(error: Exception, status: int) -> str:
    """What an HTTP client is told: what was wrong with the request, never the server's
    paths or internals (the server log keeps the details)."""
    from mnemonic.exceptions import StoreBusyError, StoreCorruptError

    if isinstance(error, StoreBusyError):
        return "the store is being written by another process; try again shortly"
    if isinstance(error, StoreCorruptError):  # the line names the store's folder: log only
        return (
            "the store is damaged and answers nothing until it is repaired "
            "(`hyperword store check DIR --repair`; the server log says what failed)"
        )
    if status >= 500:
        return "internal error; see the server log"
    return str(error)


def status_for(error: Exception) -> int:
    """The HTTP status of a toolkit error: 4xx for anything the request got wrong."""
    from mnemonic.exceptions import (
        ChunkNotFoundError,
        StoreBusyError,
        StoreCorruptError,
        StoreReadOnlyError,
    )

    if isinstance(error, ServiceError):
        return error.status
    if isinstance(error, ChunkNotFoundError):
        return 404
    if isinstance(error, StoreBusyError):
        return 409
    if isinstance(error, StoreReadOnlyError):
        return 403  # the store's folder cannot be written; searching still works
    if isinstance(error, StoreCorruptError):
        return 503  # damaged: `hyperword store check --repair`; never a wrong answer
    if isinstance(error, (ValueError, KeyError)):  # OptionError, ConfigError, PolicyError, ...
        return 400
    return 500


def _describe(errors: list[dict[str, Any]]) -> str:
    parts = []
    for error in errors[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        if not where and error.get("type") in ("model_attributes_type", "dict_type"):
            parts.append("the body must be a JSON object")
            continue
        parts.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception to a JSON error with the right status."""

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = list(error.errors())
        content_type = request.headers.get("content-type", "")
        if request.method in ("POST", "PUT", "PATCH") and "json" not in content_type.lower():
            return _response(
                415,
                "send the body as JSON with the header Content-Type: application/json "
                f"(got {content_type or 'no content type'!r})",
            )
        if any(e.get("type") == "json_invalid" for e in errors):
            detail = next(e for e in errors if e.get("type") == "json_invalid")
            ctx = detail.get("ctx") or {}
            reason = ctx.get("error", detail.get("msg", ""))
            return _response(400, f"the request body is not valid JSON: {reason}")
        return _response(422, f"invalid request: {_describe(errors)}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        message = str(error.detail)
        if error.status_code == 404 and message == "Not Found":
            message = f"no endpoint {request.method} {request.url.path}"
        if error.status_code == 405:
            message = f"method {request.method} is not allowed on {request.url.path}"
        return _response(error.status_code, message)

    @app.exception_handler(HyperwordError)
    async def _toolkit(request: Request, error: HyperwordError) -> JSONResponse:
        status = status_for(error)
        if status == 503:  # a damaged store: the line says what failed and what to run
            logger.error("error serving %s: %s", request.url.path, error)
        elif status >= 500 or status == 409:
            logger.warning("error serving %s: %s", request.url.path, error, exc_info=status >= 500)
        return _response(status, public_message(error, status))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("unexpected error serving %s", request.url.path, exc_info=error)
        return _response(500, f"internal error ({type(error).__name__}); see the server log")
