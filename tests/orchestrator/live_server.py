"""A `ServiceState` served over real HTTP on a loopback port, from a thread of the test process.

For tests that need the service's real HTTP path but cannot afford another subprocess start
(loading torch and the embedder again); the embedder comes from the session fixture.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn

import hyperword.models


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def live_service(config: Any, embedder: Any, monkeypatch: Any) -> Iterator[tuple[str, Any]]:
    """`(base_url, state)` of the app for `config`, served until the block ends."""
    from orchestrator.service.app import create_app
    from orchestrator.service.state import ServiceState

    monkeypatch.setattr(hyperword.models, "load_embedder", lambda name=None, **_: embedder)
    state = ServiceState(config)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="live-service", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", state
    finally:
        server.should_exit = True
        thread.join(timeout=30)
