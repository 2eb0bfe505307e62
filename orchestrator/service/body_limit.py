"""An ASGI middleware that refuses request bodies over a size limit with a 413."""

from __future__ import annotations

import json
from typing import Any

from orchestrator.service.errors import error_body

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """Reads the body up to `max_bytes` before the app sees it; beyond that, answers 413.

    A `Content-Length` over the limit is refused without buffering; a chunked body is counted
    as it arrives. The rest of a refused body is read and dropped (up to `DRAIN_BYTES`) so
    the client gets to read the 413 instead of a reset connection.
    """

    DRAIN_BYTES = 64 * 2**20

    def __init__(self, app: Any, *, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_bytes
            except ValueError:
                await self._refuse(send, 400, "the Content-Length header is not a number")
                return
            if too_big:
                await self._too_large(receive, send)
                return
        messages, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                messages.append(message)
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                if message.get("more_body", False):
                    await self._too_large(receive, send)
                else:
                    await self._refuse(send, 413, self._message)
                return
            messages.append(message)
            if not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replayed() -> dict:
            message = next(replay, None)
            return message if message is not None else await receive()

        await self.app(scope, replayed, send)

    @property
    def _message(self) -> str:
        return f"the request body is over the limit of {self.max_bytes} bytes"

    async def _too_large(self, receive: Any, send: Any) -> None:
        drained = 0
        while drained < self.DRAIN_BYTES:
            message = await receive()
            if message["type"] != "http.request":
                break
            drained += len(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await self._refuse(send, 413, self._message)

    @staticmethod
    async def _refuse(send: Any, status: int, message: str) -> None:
        body = json.dumps(error_body(status, message)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
