"""The HTTP API: the contract of each endpoint, hostile input, and a missing or bad model."""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.data.examples import (
    EXAMPLE_CUSTOMER,
    NEW_CUSTOMER,
)
from {{ cookiecutter.package_name }}.inference.predictor import (
    SklearnPredictor,
    load_predictor,
)
from {{ cookiecutter.package_name }}.registry.artifacts import load_model
from {{ cookiecutter.package_name }}.serving.app import create_app

from .conftest import held_request, serving_config

CUSTOMER: dict[str, Any] = dict(EXAMPLE_CUSTOMER)
ServeFactory = Callable[..., TestClient]  # the `serve` fixture


def test_health_and_ready_answer_200_with_the_model_version(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert ready.json()["model_version"]
    for path in ("/health", "/ready"):  # uptime checkers probe with HEAD
        head = client.head(path)
        assert (head.status_code, head.content) == (200, b""), path


def test_predict_scores_one_customer_and_echoes_the_id(client: TestClient) -> None:
    answer = client.post("/predict", json=CUSTOMER)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["customerID"] == CUSTOMER["customerID"]
    assert 0.0 <= body["churn_probability"] <= 1.0
    threshold = client.get("/model").json()["threshold"]  # the campaign's, set by train
    assert body["churn"] == (body["churn_probability"] >= threshold)
    assert body["model_version"] == client.get("/ready").json()["model_version"]


@pytest.mark.parametrize("blank", [" ", "", None])
def test_a_new_customer_with_blank_total_charges_is_accepted(
    client: TestClient, blank: str | None
) -> None:
    answer = client.post("/predict", json={**NEW_CUSTOMER, "TotalCharges": blank})
    assert answer.status_code == 200, answer.text


def test_the_scikit_learn_fallback_scores_in_a_worker_thread(
    models_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version without ONNX is served by scikit-learn, whose milliseconds per call run in
    a worker thread: /health is answered while a score is still in progress."""
    loaded = load_model(models_dir)
    expected = load_predictor(models_dir).predict_records([CUSTOMER])[0]
    app = create_app(
        serving_config(models_dir),
        loader=lambda _: SklearnPredictor(loaded.metadata, loaded.pipeline),
    )
    with TestClient(app) as client:
        with held_request(
            client, monkeypatch, SklearnPredictor, "predict_columns", "/predict", json=CUSTOMER
        ) as scored:
            health = client.get("/health")
            in_progress = not scored.done()
        answer = scored.result(timeout=30)
        backend = client.get("/model").json()["backend"]
    assert health.status_code == 200
    assert in_progress
    assert answer.status_code == 200, answer.text
    assert answer.json()["churn_probability"] == pytest.approx(expected, abs=1e-6)
    assert backend == "sklearn"


def test_customer_id_is_optional(client: TestClient) -> None:
    customer = {key: value for key, value in CUSTOMER.items() if key != "customerID"}
    answer = client.post("/predict", json=customer)
    assert answer.status_code == 200, answer.text
    assert answer.json()["customerID"] is None


def test_batch_returns_predictions_in_order(client: TestClient) -> None:
    customers = [{**CUSTOMER, "customerID": f"C{i}", "tenure": i} for i in range(25)]
    answer = client.post("/predict/batch", json={"customers": customers})
    assert answer.status_code == 200, answer.text
    predictions = answer.json()["predictions"]
    assert [p["customerID"] for p in predictions] == [c["customerID"] for c in customers]
    single = client.post("/predict", json=customers[7]).json()
    assert predictions[7]["churn_probability"] == pytest.approx(single["churn_probability"])


def test_an_oversized_batch_is_refused_naming_the_limit(
    serve: ServeFactory, models_dir: Path
) -> None:
    with serve(models_dir, max_batch_size=3) as small:
        answer = small.post("/predict/batch", json={"customers": [CUSTOMER] * 4})
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body", "customers"]
    assert "at most 3" in error["msg"]


def test_an_empty_batch_is_refused(client: TestClient) -> None:
    answer = client.post("/predict/batch", json={"customers": []})
    assert answer.status_code == 422


def test_a_body_over_the_size_limit_gets_413(serve: ServeFactory, models_dir: Path) -> None:
    with serve(models_dir, max_body_bytes=2048) as small:
        answer = small.post("/predict/batch", json={"customers": [CUSTOMER] * 10})
    assert answer.status_code == 413


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"Contract": "Monthly"}, "Contract"),
        ({"tenure": -1}, "tenure"),
        ({"tenure": 12.5}, "tenure"),
        ({"SeniorCitizen": 2}, "SeniorCitizen"),
        ({"SeniorCitizen": True}, "SeniorCitizen"),
        ({"MonthlyCharges": "29.85"}, "MonthlyCharges"),
        ({"MonthlyCharges": 1e300}, "MonthlyCharges"),
        ({"TotalCharges": "  "}, "TotalCharges"),
        ({"gender": None}, "gender"),
        ({"Churn": "Yes"}, "Churn"),
        ({"customerID": "x" * 65}, "customerID"),
    ],
)
def test_a_bad_field_gets_422_naming_it(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    answer = client.post("/predict", json={**CUSTOMER, **change})
    assert answer.status_code == 422
    assert ["body", field] in [error["loc"][:2] for error in answer.json()["detail"]]


def test_a_missing_field_gets_422_naming_it(client: TestClient) -> None:
    customer = {key: value for key, value in CUSTOMER.items() if key != "tenure"}
    answer = client.post("/predict", json=customer)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "tenure"]


ROUTES = ["/predict", "/predict/batch"]


def _as_body(path: str, customer: bytes) -> bytes:
    """Return a customer's JSON text as the body of ``path``."""
    return customer if path == "/predict" else b'{"customers": [' + customer + b"]}"


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b"null", b'{"tenure": NaN}'])
def test_a_body_that_is_not_a_customer_gets_422(client: TestClient, path: str, body: bytes) -> None:
    answer = client.post(path, content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("body", [b"\xff\xfe", b"[" * 10_000, b"{" * 100_000])
def test_an_unreadable_body_gets_a_client_error(client: TestClient, path: str, body: bytes) -> None:
    answer = client.post(path, content=body, headers={"content-type": "application/json"})
    assert 400 <= answer.status_code < 500
    assert answer.json()["detail"]


@pytest.mark.parametrize("path", ROUTES)
def test_nan_and_infinity_literals_are_refused(client: TestClient, path: str) -> None:
    field = (
        ["body", "MonthlyCharges"]
        if path == "/predict"
        else ["body", "customers", 0, "MonthlyCharges"]
    )
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        text = json.dumps({**CUSTOMER, "MonthlyCharges": 0}).encode()
        customer = text.replace(b'"MonthlyCharges": 0', b'"MonthlyCharges": ' + literal)
        answer = client.post(
            path, content=_as_body(path, customer), headers={"content-type": "application/json"}
        )
        assert answer.status_code == 422
        assert answer.json()["detail"][0]["loc"] == field


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_that_is_not_sent_as_json_gets_422(
    client: TestClient, path: str, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = _as_body(path, json.dumps(CUSTOMER).encode())
    answer = client.post(path, content=body, headers=headers)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body"]
    # JSON with a charset, or a +json media type, is JSON.
    sent = client.post(
        path, content=body, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert sent.status_code == 200


def test_the_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/health", headers={"X-Request-ID": "trace-42"})
    assert given.headers["x-request-id"] == "trace-42"
    generated = client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert generated.headers["x-request-id"] not in ("", "bad id\twith spaces")


def test_model_describes_the_loaded_model_and_its_metrics(client: TestClient) -> None:
    info = client.get("/model").json()
    assert info["backend"] in ("onnx", "sklearn")
    assert 0.0 < info["threshold"] < 1.0
    assert {"roc_auc", "f1"} <= set(info["metrics"])
    assert set(info) == {"model_version", "backend", "threshold", "metrics"}


def test_model_metadata_is_published_only_when_configured(
    serve: ServeFactory, models_dir: Path
) -> None:
    with serve(models_dir, expose_metadata=True) as open_client:
        info = open_client.get("/model").json()
    assert info["metadata"]["model_version"] == info["model_version"]
    assert "library_versions" in info["metadata"]


def test_the_threshold_setting_overrides_the_model_threshold(
    serve: ServeFactory, models_dir: Path
) -> None:
    with serve(models_dir, threshold=0.01) as eager:
        answer = eager.post("/predict", json=CUSTOMER).json()
        assert eager.get("/model").json()["threshold"] == pytest.approx(0.01)
    assert answer["churn"] is (answer["churn_probability"] >= 0.01)


def test_metrics_count_requests_by_route_and_predictions_by_outcome(
    serve: ServeFactory, models_dir: Path
) -> None:
    with serve(models_dir) as fresh:
        fresh.post("/predict", json=CUSTOMER)
        fresh.post("/predict/batch", json={"customers": [CUSTOMER, CUSTOMER]})
        fresh.post("/predict", json={})
        fresh.get("/no/such/path")
        fresh.get("/openapi.json")
        fresh.get("/docs/assets/swagger-ui.css")
        text = fresh.get("/metrics").text
    assert 'http_requests_total{method="POST",route="/predict",status="200"} 1.0' in text
    assert 'http_requests_total{method="POST",route="/predict",status="422"} 1.0' in text
    assert 'route="unmatched",status="404"' in text
    assert 'http_requests_total{method="GET",route="/openapi.json",status="200"} 1.0' in text
    assert 'http_requests_total{method="GET",route="/docs/assets",status="200"} 1.0' in text
    assert 'http_request_duration_seconds_bucket{le="0.5",method="POST",route="/predict"' in text
    churned = [line for line in text.splitlines() if line.startswith("churn_predictions_total")]
    assert sum(float(line.split()[-1]) for line in churned) == 3.0


def test_openapi_documents_the_bodies_with_examples(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    body = schema["paths"]["/predict"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/Customer"}
    customer = schema["components"]["schemas"]["Customer"]
    assert customer["examples"] == [EXAMPLE_CUSTOMER, NEW_CUSTOMER]
    assert customer["properties"]["Contract"]["enum"] == ["Month-to-month", "One year", "Two year"]
    assert customer["additionalProperties"] is False
    batch_body = schema["paths"]["/predict/batch"]["post"]["requestBody"]
    batch = batch_body["content"]["application/json"]["schema"]
    assert batch["properties"]["customers"]["items"] == {"$ref": "#/components/schemas/Customer"}
    assert batch["properties"]["customers"]["minItems"] == 1
    assert batch["properties"]["customers"]["maxItems"] == 1000
    assert client.get("/docs").status_code == 200


def test_each_request_is_logged_as_one_json_line(
    serve: ServeFactory, models_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with serve(models_dir, access_log=True) as logged:
        access = logging.getLogger("{{ cookiecutter.package_name }}.access")
        access.addHandler(caplog.handler)
        try:
            logged.get("/health", headers={"X-Request-ID": "log-me"})
        finally:
            access.removeHandler(caplog.handler)
    last = caplog.records[-1]
    assert (last.request_id, last.route, last.status) == ("log-me", "/health", 200)  # type: ignore[attr-defined]


def test_without_a_model_the_service_starts_and_answers_503(
    serve: ServeFactory, tmp_path: Path
) -> None:
    with serve(tmp_path / "empty") as empty:
        assert empty.get("/health").status_code == 200
        ready = empty.get("/ready")
        assert ready.status_code == 503
        assert "run train first" in ready.json()["reason"]
        assert empty.head("/ready").status_code == 503
        refused = empty.post("/predict", json=CUSTOMER)
        assert refused.status_code == 503
        assert int(refused.headers["retry-after"]) >= 1
        assert str(tmp_path) not in refused.text  # the reason, with its paths, is in /ready
        assert empty.get("/model").status_code == 503


def test_a_tampered_model_is_refused_with_the_reason(
    serve: ServeFactory, models_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "models"
    shutil.copytree(models_dir, copy)
    for artifact in copy.glob("versions/*/model.*"):
        artifact.write_bytes(artifact.read_bytes() + b"tampered")
    with serve(copy) as tampered:
        ready = tampered.get("/ready")
        assert ready.status_code == 503
        assert "checksum" in ready.json()["reason"]
        assert tampered.post("/predict", json=CUSTOMER).status_code == 503


@pytest.mark.parametrize("path", ["/predict", "/predict/batch"])
@pytest.mark.parametrize(
    ("good", "bad"),
    [
        (b'"gender"', b'"gen\xffder"'),
        (b'"Female"', b'"Fem\xc3ale"'),
        (b'"7590-VHVEG"', b'"\xed\xa0\x80"'),
    ],
    ids=["in a key", "in a value", "a surrogate in the id"],
)
def test_a_body_that_is_not_utf8_gets_a_client_error_and_no_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str, good: bytes, bad: bytes
) -> None:
    customer = json.dumps(CUSTOMER).encode().replace(good, bad)
    body = customer if path == "/predict" else b'{"customers": [' + customer + b"]}"
    with caplog.at_level(logging.INFO):
        answer = client.post(path, content=body, headers={"content-type": "application/json"})
    assert 400 <= answer.status_code < 500
    assert answer.json()["detail"], "the answer says what was wrong"
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


async def _disconnect_mid_body(app: Any, path: str) -> list[dict[str, Any]]:
    """Call the ASGI app as a server would for a client gone after part of its body."""
    parts: list[dict[str, Any]] = [
        {"type": "http.request", "body": b'{"customers": [', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return parts.pop(0) if parts else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"content-type", b"application/json"), (b"content-length", b"1000")]
    scope: dict[str, Any] = {"type": "http", "method": "POST", "path": path}
    scope |= {"headers": headers, "query_string": b"", "http_version": "1.1", "scheme": "http"}
    await app(scope, receive, send)
    return sent


@pytest.mark.parametrize("path", ROUTES)
def test_a_client_gone_mid_body_is_a_4xx_without_a_traceback(
    client: TestClient, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.INFO):
        sent = asyncio.run(_disconnect_mid_body(client.app, path))
    assert sent[0]["status"] == 400
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize("path", ROUTES)
def test_a_422_lists_the_first_errors_and_counts_the_rest(client: TestClient, path: str) -> None:
    unknown = {f"field{i}": i for i in range(500)}
    customer = json.dumps({**CUSTOMER, **unknown}).encode()
    answer = client.post(
        path, content=_as_body(path, customer), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    errors = answer.json()["detail"]
    assert len(errors) == 21
    assert errors[0]["loc"][-1] == "field0"
    more = {"loc": ["body"], "msg": "480 more errors not listed", "type": "too_many_errors"}
    assert errors[-1] == more


def test_the_docs_page_works_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text
    script = page.text.split('src="', 1)[1].split('"', 1)[0]
    assert script == "/docs/assets/swagger-ui-bundle.js"
    asset = client.get(script)
    assert asset.status_code == 200
    assert "SwaggerUIBundle" in asset.text
