"""Prometheus metrics of one app: requests and latency by route and status, predictions."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest

#: Latency buckets in seconds, from a cached single-row answer to a slow large batch.
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class ServiceMetrics:
    """The metrics of one app in their own registry (several apps can live in one process)."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        """Create the registry and its metrics."""
        self.registry = CollectorRegistry()
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
            "churn_model_ready", "1 when a model is loaded, else 0.", registry=self.registry
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

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
        """Return the metrics in the Prometheus text format."""
        return generate_latest(self.registry)
