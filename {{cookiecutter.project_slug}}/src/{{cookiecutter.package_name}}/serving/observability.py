"""Observability of each request: an id, Prometheus metrics and one JSON access-log line."""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from time import perf_counter
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client.exposition import generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .metrics_multiprocess import multiprocess_dir, multiprocess_registry

#: The top-level package, whose loggers (``<package>.serving...``) the service writes to.
PACKAGE = __name__.split(".")[0]
ACCESS_LOGGER = f"{PACKAGE}.access"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON line; ``extra={"fields": {...}}`` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as compact JSON."""
        payload: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            payload.update(fields)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def logging_config(level: str) -> dict[str, Any]:
    """Return a ``logging.config.dictConfig`` mapping for uvicorn and the package, as JSON."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    logger = {"handlers": ["json"], "level": level.upper(), "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "loggers": {"uvicorn": logger, "uvicorn.access": logger, PACKAGE: logger},
    }


def configure_logging(level: str) -> None:
    """Give the package logger a JSON handler unless one is configured (e.g. by ``serve``)."""
    package_logger = logging.getLogger(PACKAGE)
    package_logger.setLevel(level.upper())
    if not package_logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        package_logger.addHandler(handler)
        package_logger.propagate = False


#: Latency buckets in seconds, from a cached single-row answer to a slow large batch.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
TRAINING_CHURN_RATE = "churn_model_training_churn_rate"
EXPECTED_CHURN_SHARE = "churn_model_expected_churn_share"
#: The loaded model's own figures, exported while it serves (help texts).
MODEL_GAUGES = {
    TRAINING_CHURN_RATE: "Churn rate of the loaded model's training data.",
    EXPECTED_CHURN_SHARE: (
        "Share of its hold-out the loaded model predicted to churn, at its threshold: "
        "the churn-share alert compares the served share with it."
    ),
}
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ServiceMetrics:
    """The metrics of one app in their own registry (several apps can live in one process)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        """Create the registry and its metrics, with the standard process_* and python_*.

        With ``PROMETHEUS_MULTIPROC_DIR`` set (``serve --workers N`` sets it), every worker
        writes its values there and ``render`` aggregates them, so a scrape answered by any
        worker counts the requests of all.
        """
        self.multiprocess_dir = multiprocess_dir()
        self.registry = CollectorRegistry()
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        labels = ("method", "route", "status")
        self.requests = Counter(
            "http_requests",
            "HTTP requests by method, route template and status code.",
            labels,
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer a request, by method, route template and status code.",
            labels,
            buckets=BUCKETS,
            registry=self.registry,
        )
        predictions = Counter(
            "churn_predictions",
            "Customers scored, by predicted outcome (churn or no_churn).",
            ("outcome",),
            registry=self.registry,
        )
        self._churn = predictions.labels(outcome="churn")
        self._no_churn = predictions.labels(outcome="no_churn")
        self.model_ready = Gauge(
            "churn_model_ready",
            "1 when a model is loaded, else 0.",
            registry=self.registry,
            multiprocess_mode="livemin",  # ready only if every live worker is
        )
        self.model_info = Gauge(
            "churn_model_info",
            "1, labelled with the version of the loaded model (dashboards show it).",
            ("version",),
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        #: Created with the first model, so the series are absent (not 0) until one loads.
        self._model_gauges: dict[str, Gauge] = {}
        self._version: str | None = None
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def set_model(
        self,
        version: str | None,
        training_churn_rate: float | None,
        expected_churn_share: float | None = None,
    ) -> None:
        """Record which model is loaded (``None``: none, the service is not ready).

        ``training_churn_rate`` is the churn rate of the model's training data, and
        ``expected_churn_share`` the share of its hold-out it predicted to churn (at its
        threshold): the alert on the predicted churn share compares with the latter, so
        both follow every hot swap. A value the model does not record is not exported.
        """
        self.model_ready.set(version is not None)
        if self._version not in (None, version):
            # With workers, a worker's metrics file keeps every series it wrote (``clear``
            # only forgets them in memory): zero the replaced version's, or a scrape after
            # a swap would show the old version at 1 beside the new one.
            self.model_info.labels(version=self._version).set(0)
        self.model_info.clear()
        if version is not None:
            self.model_info.labels(version=version).set(1)
        self._version = version
        loaded = version is not None
        self._set_model_gauge(TRAINING_CHURN_RATE, training_churn_rate if loaded else None)
        self._set_model_gauge(EXPECTED_CHURN_SHARE, expected_churn_share if loaded else None)

    def _set_model_gauge(self, name: str, value: float | None) -> None:
        """Export one figure of the loaded model; remove its series when there is none."""
        gauge = self._model_gauges.get(name)
        if value is None:
            if gauge is not None:
                self.registry.unregister(gauge)
                del self._model_gauges[name]
            return
        if gauge is None:
            gauge = self._model_gauges[name] = Gauge(
                name,
                MODEL_GAUGES[name],
                registry=self.registry,
                multiprocess_mode="livemax",  # the workers serve the same production model
            )
        gauge.set(value)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        key = (method if method in KNOWN_METHODS else "OTHER", route, status)
        children = self._children.get(key)
        if children is None:
            label = (key[0], route, str(status))
            children = (self.requests.labels(*label), self.latency.labels(*label))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def count_predictions(self, churned: int, total: int) -> None:
        """Count the outcomes of ``total`` scored customers, ``churned`` of them churners."""
        if churned:
            self._churn.inc(churned)
        if total - churned:
            self._no_churn.inc(total - churned)

    def render(self) -> bytes:
        """Return the metrics in the Prometheus text format (of all workers, if several)."""
        if self.multiprocess_dir is not None:
            return generate_latest(multiprocess_registry(self.multiprocess_dir))
        return generate_latest(self.registry)


REQUEST_ID_HEADER = b"x-request-id"
#: An incoming request id is kept only if it is short and plain (it goes into logs).
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
UNMATCHED = "unmatched"


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """Return the client's X-Request-ID when it is safe to echo, else a new random id."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER and _SAFE_ID.fullmatch(value):
            return value.decode("ascii")
    return secrets.token_hex(16)


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
