"""The prediction routes are called without FastAPI's router, and answer as if routed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from {{ cookiecutter.package_name }}.inference.predictor import load_predictor
from {{ cookiecutter.package_name }}.serving.app import create_app
from {{ cookiecutter.package_name }}.serving.schemas import EXAMPLE_CUSTOMER
from {{ cookiecutter.package_name }}.serving.service import ScoringModel
from {{ cookiecutter.package_name }}.serving.settings import ServingSettings

BATCH = {"customers": [EXAMPLE_CUSTOMER, EXAMPLE_CUSTOMER]}


class RecordingRouter:
    """Stands in for the app's router: records each HTTP request that reaches it."""

    def __init__(self, router: ASGIApp) -> None:
        """Wrap the real router."""
        self.router = router
        self.requests: list[tuple[str, str]] = []

    def __getattr__(self, name: str) -> Any:
        """Read everything else (routes, lifespan) from the real router."""
        return getattr(self.router, name)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Record, then route."""
        if scope["type"] == "http":
            self.requests.append((scope["method"], scope["path"]))
        await self.router(scope, receive, send)


def _settings(models_dir: Path) -> ServingSettings:
    return ServingSettings.model_validate({"models_dir": models_dir, "access_log": False})


def test_predictions_skip_the_router_and_everything_else_goes_through_it(
    models_dir: Path,
) -> None:
    app = create_app(_settings(models_dir))
    recorder = RecordingRouter(app.router)
    app.router = recorder  # type: ignore[assignment]  # before the first request builds the stack
    with TestClient(app) as client:
        routed = client.post("/predict", json=EXAMPLE_CUSTOMER)
        batch = client.post("/predict/batch", json=BATCH)
        invalid = client.post("/predict", json={})
        wrong_method = client.get("/predict")
        health = client.get("/health")
        metrics = client.get("/metrics").text
    assert (routed.status_code, batch.status_code, invalid.status_code) == (200, 200, 422)
    assert len(batch.json()["predictions"]) == 2
    assert invalid.json()["detail"][0]["loc"][0] == "body"
    assert wrong_method.status_code == 405
    assert health.status_code == 200
    assert recorder.requests == [("GET", "/predict"), ("GET", "/health"), ("GET", "/metrics")]
    assert 'http_requests_total{method="POST",route="/predict",status="200"} 1.0' in metrics
    assert 'http_requests_total{method="POST",route="/predict/batch",status="200"} 1.0' in metrics
    assert routed.headers["x-request-id"]


def test_under_a_root_path_the_router_answers(models_dir: Path) -> None:
    app = create_app(_settings(models_dir))
    recorder = RecordingRouter(app.router)
    app.router = recorder  # type: ignore[assignment]
    with TestClient(app, root_path="/api") as client:
        answer = client.post("/predict", json=EXAMPLE_CUSTOMER)
    assert answer.status_code == 200, answer.text
    assert [method for method, _ in recorder.requests] == ["POST"]


class BrokenModel:
    """A loaded model whose scoring fails: a bug, not a client error."""

    version = "broken"
    threshold = 0.5
    backend = "broken"
    metadata: ClassVar[dict[str, Any]] = {"model_version": "broken", "metrics": {}}

    def predict_columns(self, columns: Mapping[str, Any]) -> Any:
        """Fail."""
        raise RuntimeError("scoring failed")

    def predict_row(self, row: Mapping[str, Any]) -> float:
        """Fail."""
        raise RuntimeError("scoring failed")


def test_a_failure_while_scoring_is_a_500_naming_the_request_id(models_dir: Path) -> None:
    def broken(_: Path) -> ScoringModel:
        load_predictor(models_dir)  # a real model is there; the failure comes later
        return BrokenModel()

    app = create_app(_settings(models_dir), loader=broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        for path, body in (("/predict", EXAMPLE_CUSTOMER), ("/predict/batch", BATCH)):
            answer = client.post(path, json=body, headers={"X-Request-ID": "find-me"})
            assert answer.status_code == 500
            assert answer.json() == {"detail": "internal server error", "request_id": "find-me"}
            assert "scoring failed" not in answer.text
