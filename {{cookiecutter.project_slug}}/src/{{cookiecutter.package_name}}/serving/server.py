"""uvicorn's fast httptools protocol with limits: header size, slow clients and overload.

httptools has no limit of its own on the request line and headers, and uvicorn times out
only idle keep-alive connections, so this subclass adds, per connection:

- a size limit on the request line and headers (431, checked as the bytes arrive, so a
  huge header costs at most one read before it is refused);
- a deadline for the headers and one for the body (408, then the connection is closed);
- load shedding: when more requests are queued or running than ``max_queued``, a new
  request (other than the probes and metrics) gets 503 with ``Retry-After`` at once.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cache
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .settings import ServingSettings, load_settings

logger = logging.getLogger(__name__)
#: Paths never shed under load: the probes must stay fast, the metrics must show the load.
UNSHED_PATHS = frozenset({b"/health", b"/ready", b"/metrics"})


@cache
def _environment_settings() -> ServingSettings:
    """Read the CHURN_* settings once per process (each worker builds its own)."""
    return load_settings()


async def _shed(scope: Any, receive: Any, send: Any) -> None:
    """Answer 503 with Retry-After, and close the connection to free its descriptor."""
    retry_after = scope["state"].get("retry_after", 1)
    body = b'{"detail":"overloaded: retry later"}'
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(retry_after).encode()),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` with header-size, deadline and load-shedding limits."""

    #: The limits; None reads the CHURN_* environment (set a subclass's for tests).
    settings: ClassVar[ServingSettings | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Set up the connection's limits and counters."""
        super().__init__(*args, **kwargs)
        limits = self.settings or _environment_settings()
        self.max_header_bytes = limits.max_header_bytes
        self.header_timeout = limits.header_timeout
        self.body_timeout = limits.body_timeout
        self.max_queued = limits.max_queued
        self.retry_after = limits.retry_after
        self._in_headers = True  # reading a request line and headers (or waiting for one)
        self._boundary = False  # a request's headers or body ended in the current read
        self._pending = 0  # bytes read since the last boundary while in headers
        self._header_bytes = 0  # exact size of the current request line and headers
        self._deadline: asyncio.TimerHandle | None = None
        self._refused = False

    # --- deadlines ---------------------------------------------------------------------

    def _arm(self, seconds: float, what: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expire, what)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self, what: str) -> None:
        self._deadline = None
        self._refuse(408, f"{what} not received within the time limit")

    def _refuse(self, status: int, reason: str) -> None:
        """Answer ``status`` with a one-line JSON reason, log one line and close."""
        if self._refused or self.transport.is_closing():
            return
        self._refused = True
        body = b'{"detail":"' + reason.encode("ascii") + b'"}'
        self.transport.write(
            b"".join(
                [
                    STATUS_LINE[status],
                    b"content-type: application/json\r\n",
                    b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                    b"connection: close\r\n\r\n",
                    body,
                ]
            )
        )
        self.transport.close()
        client = "%s:%d" % self.client if self.client else "unknown"  # noqa: UP031
        logger.warning("refused %s: %d %s", client, status, reason)

    # --- protocol and parser callbacks -------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the deadline for the first request's headers."""
        super().connection_made(transport)
        self._arm(self.header_timeout, "request headers")

    def connection_lost(self, exc: Exception | None) -> None:
        """Cancel any deadline."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Parse ``data``; refuse the request once its headers pass the size limit."""
        if self._refused:
            return
        self._boundary = False
        super().data_received(data)
        if self._boundary:
            self._pending = 0
        elif self._in_headers:
            self._pending += len(data)
            if self._pending > self.max_header_bytes:
                self._refuse(431, self._too_large())

    def _too_large(self) -> str:
        return f"request line and headers larger than {self.max_header_bytes} bytes"

    def on_message_begin(self) -> None:
        """Start counting a new request's line and headers."""
        super().on_message_begin()
        self._header_bytes = 0

    def on_url(self, url: bytes) -> None:
        """Count the request target."""
        self._header_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Count one header."""
        self._header_bytes += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """Refuse oversized headers, shed load, else start the request (and its body deadline)."""
        self._boundary, self._in_headers = True, False
        self._disarm()
        if self._header_bytes > self.max_header_bytes:
            self._refuse(431, self._too_large())
            return
        self._arm(self.body_timeout, "request body")
        if len(self.tasks) < self.max_queued or self.url.split(b"?", 1)[0] in UNSHED_PATHS:
            super().on_headers_complete()
            return
        self.scope["state"]["retry_after"] = self.retry_after
        app, self.app = self.app, _shed
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_body(self, body: bytes) -> None:
        """Pass the body on, unless the request was refused."""
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        """End the body deadline; the next request's headers may start."""
        self._boundary, self._in_headers = True, True
        self._disarm()
        if not self._refused:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        """Start the deadline for the next request's headers on this connection."""
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm(self.header_timeout, "request headers")
