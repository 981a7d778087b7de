"""One cheap ASGI middleware: request id, Prometheus request metrics and a JSON access log."""

from __future__ import annotations

import logging
import re
from time import perf_counter
from typing import Any
from uuid import uuid4

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .logs import ACCESS_LOGGER
from .metrics import ServiceMetrics

REQUEST_ID_HEADER = b"x-request-id"
#: An incoming request id is kept only if it is short and plain (it goes into logs).
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
UNMATCHED = "unmatched"


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """Return the client's X-Request-ID when it is safe to echo, else a new random id."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER and _SAFE_ID.fullmatch(value):
            return value.decode("ascii")
    return uuid4().hex


def _route_template(scope: Scope, status: int) -> str:
    """Return the matched route's path template (bounded label values for the metrics)."""
    route = scope.get("route")
    if route is not None:
        return str(getattr(route, "path", UNMATCHED))
    return UNMATCHED if status == 404 else str(scope["path"])  # e.g. /docs, /openapi.json


class ObservabilityMiddleware:
    """Tag each HTTP request with an id, time it, count it, and log it as one JSON line."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, access_log: bool = True) -> None:
        """Wrap ``app``."""
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        self.logger = logging.getLogger(ACCESS_LOGGER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call; non-HTTP calls (lifespan) pass straight through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = perf_counter()
        request_id = request_id_from(scope["headers"])
        scope.setdefault("state", {})["request_id"] = request_id
        id_header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), id_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = perf_counter() - start
            route = _route_template(scope, status)
            self.metrics.observe_request(scope["method"], route, status, seconds)
            if self.access_log:
                self._log(scope, request_id, route, status, seconds)

    def _log(self, scope: Scope, request_id: str, route: str, status: int, seconds: float) -> None:
        client: Any = scope.get("client")
        fields = {
            "request_id": request_id,
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "client": f"{client[0]}:{client[1]}" if client else None,
        }
        self.logger.info("request", extra={"fields": fields})
