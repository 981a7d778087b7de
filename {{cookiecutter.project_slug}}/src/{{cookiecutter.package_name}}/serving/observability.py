"""Observability: Prometheus metrics, and a request id and an access-log line per request."""

from __future__ import annotations

import logging
import os
import re
import secrets
import time

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
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import generate_latest
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..inference.predictor import Predictor
from ..logs import PACKAGE

#: Set to an empty, writable folder before the workers start to share their metrics.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: Latency buckets in seconds, from a single-row answer to a slow large batch.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
#: The loaded model's own figures, exported while it serves: name -> (metadata path, help).
MODEL_GAUGES = {
    "churn_model_training_churn_rate": (
        ("data", "churn_rate"),
        "Churn rate of the loaded model's training data.",
    ),
    "churn_model_expected_churn_share": (
        ("metrics", "predicted_churn_share"),
        "Share of its hold-out the loaded model predicted to churn, at its threshold: "
        "the churn-share alert compares the served share with it.",
    ),
}


class ServiceMetrics:
    """The metrics of one app, in a registry of its own (tests build several apps).

    With several workers, ``serve`` sets ``PROMETHEUS_MULTIPROC_DIR``: each worker writes
    its values there and ``render`` adds them up (prometheus_client's multiprocess mode).
    """

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        """Create the registry and the metrics."""
        self.registry = registry = CollectorRegistry()
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            registry.register(collector)  # process_*, python_* (one process: see render)
        labels = ("method", "route", "status")
        self.requests = Counter("http_requests", "HTTP requests.", labels, registry=registry)
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer a request.",
            labels,
            buckets=BUCKETS,
            registry=registry,
        )
        self.predictions = Counter(
            "churn_predictions", "Customers scored, by outcome.", ("outcome",), registry=registry
        )
        self.score_log_errors = Counter(
            "churn_score_log_errors", "Score log lines not written.", registry=registry
        )
        self.model_ready = Gauge(
            "churn_model_ready",
            "1 when a model is loaded.",
            registry=registry,
            multiprocess_mode="livemin",
        )
        self.refusing = Gauge(
            "churn_model_reload_failing",
            "1 while this worker refuses production or cannot read it (GET /ready says why).",
            registry=registry,
            multiprocess_mode="livemax",
        )
        self.model_info = Gauge(
            "churn_model_info",
            "1, labelled with the loaded model's version.",
            ("version",),
            registry=registry,
            multiprocess_mode="livemax",
        )
        #: Created with the first model that records them: absent (not 0) until then.
        self._model_gauges: dict[str, Gauge] = {}
        self._version: str | None = None

    def set_model(self, model: Predictor | None) -> None:
        """Describe the model about to serve (None: none loaded, the service is not ready)."""
        version = model.version if model is not None else None
        self.model_ready.set(model is not None)
        if self._version not in (None, version):
            if os.environ.get(MULTIPROC_ENV):  # a worker's file keeps every series it wrote
                self.model_info.labels(version=self._version).set(0)
            else:
                self.model_info.remove(self._version)
        if version is not None:
            self.model_info.labels(version=version).set(1)
        self._version = version
        for name, ((section, key), documentation) in MODEL_GAUGES.items():
            value = model.metadata.get(section, {}).get(key) if model is not None else None
            gauge = self._model_gauges.get(name)
            if value is None and gauge is not None:
                self.registry.unregister(self._model_gauges.pop(name))
            elif value is not None:
                if gauge is None:
                    gauge = self._model_gauges[name] = Gauge(
                        name, documentation, registry=self.registry, multiprocess_mode="livemax"
                    )
                gauge.set(float(value))

    def count_predictions(self, flags: list[bool]) -> None:
        """Count the outcomes of scored customers."""
        churned = sum(flags)
        self.predictions.labels(outcome="churn").inc(churned)
        self.predictions.labels(outcome="no_churn").inc(len(flags) - churned)

    def render(self) -> bytes:
        """Return the metrics in the Prometheus text format (of all workers, if several)."""
        if os.environ.get(MULTIPROC_ENV):
            registry = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)


#: An incoming X-Request-ID is kept only if it is short and plain (it goes into logs).
_SAFE_ID = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _route_label(scope: Scope, root_path: str) -> str:
    """Return the path template of the route that answered: a bounded label, else "unmatched".

    FastAPI names its own routes in ``scope["route"]``; the OpenAPI document and the docs'
    assets are Starlette routes, found again by matching the request as it arrived.
    """
    route = scope.get("route")
    if route is not None:
        return str(route.path)
    if "endpoint" in scope:
        asked = {**scope, "root_path": root_path}  # the root path the request arrived with
        for candidate in scope["app"].router.routes:
            template = getattr(candidate, "path", None)
            if template and candidate.matches(asked)[0] is Match.FULL:
                return str(template)
    return "unmatched"


class ObservabilityMiddleware:
    """Give each HTTP request an id (X-Request-ID), count and time it, and log one JSON line."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, access_log: bool = True) -> None:
        """Wrap ``app``."""
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        self.logger = logging.getLogger(f"{PACKAGE}.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call; non-HTTP calls (lifespan) pass straight through."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        root_path = scope.get("root_path", "")
        given = dict(scope["headers"]).get(b"x-request-id", b"")
        request_id = given.decode() if _SAFE_ID.fullmatch(given) else secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            route = _route_label(scope, root_path)
            method = scope["method"] if scope["method"] in _KNOWN_METHODS else "OTHER"
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route, str(status)).observe(seconds)
            if self.access_log:
                fields = {
                    "request_id": request_id,
                    "method": method,
                    "path": scope["path"],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                }
                self.logger.info("request", extra=fields)
