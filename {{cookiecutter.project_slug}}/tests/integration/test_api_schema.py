"""Every endpoint's real answers, success and error, match the published /openapi.json."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER

from .conftest import ServeFactory

JSON = {"content-type": "application/json"}
BATCH = {"customers": [EXAMPLE_CUSTOMER, EXAMPLE_CUSTOMER]}
LARGE = {"customers": [EXAMPLE_CUSTOMER] * 9}  # over the "small" app's 2,048 bytes


class Answer(Protocol):
    """What is checked of a TestClient answer (an httpx2 or an httpx response, by version)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


#: (client, method, path, request options, expected status): each documented answer.
CASES: list[tuple[str, str, str, dict[str, Any], int]] = [
    ("ready", "GET", "/health", {}, 200),
    ("ready", "GET", "/ready", {}, 200),
    ("empty", "GET", "/ready", {}, 503),
    ("ready", "POST", "/predict", {"json": EXAMPLE_CUSTOMER}, 200),
    ("ready", "POST", "/predict", {"json": {**EXAMPLE_CUSTOMER, "tenure": 1.0}}, 200),
    ("ready", "POST", "/predict", {"json": EXAMPLE_CUSTOMER, "params": {"explain": "true"}}, 200),
    ("ready", "POST", "/predict", {"json": EXAMPLE_CUSTOMER, "params": {"explain": "maybe"}}, 422),
    ("small", "POST", "/predict", {"json": LARGE}, 413),
    ("ready", "POST", "/predict", {"content": b"a=b", "headers": {"content-type": "text/x"}}, 422),
    ("ready", "POST", "/predict", {"content": b"\xff", "headers": JSON}, 400),
    ("ready", "POST", "/predict", {"json": {**EXAMPLE_CUSTOMER, "tenure": -1}}, 422),
    ("ready", "POST", "/predict", {"content": b"{", "headers": JSON}, 422),
    ("empty", "POST", "/predict", {"json": EXAMPLE_CUSTOMER}, 503),
    ("ready", "POST", "/predict/batch", {"json": BATCH}, 200),
    ("small", "POST", "/predict/batch", {"json": LARGE}, 413),
    ("ready", "POST", "/predict/batch", {"content": b"x", "headers": {"content-type": "a/b"}}, 422),
    ("ready", "POST", "/predict/batch", {"json": {"customers": []}}, 422),
    ("empty", "POST", "/predict/batch", {"json": BATCH}, 503),
    ("ready", "GET", "/model", {}, 200),
    ("open", "GET", "/model", {}, 200),
    ("empty", "GET", "/model", {}, 503),
    ("ready", "GET", "/metrics", {}, 200),
]


@pytest.fixture(scope="module")
def clients(
    serve: ServeFactory, models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, TestClient]]:
    """Apps with a model, without one, with a small body limit, and with open metadata."""
    apps = {
        "ready": serve(models_dir),
        "empty": serve(tmp_path_factory.mktemp("no-model")),
        "small": serve(models_dir, max_body_bytes=2048),
        "open": serve(models_dir, expose_metadata=True),
    }
    for client in apps.values():
        client.__enter__()
    yield apps
    for client in apps.values():
        client.__exit__(None, None, None)


def documented_schema(
    openapi: dict[str, Any], method: str, path: str, answer: Answer
) -> dict[str, Any]:
    """Return the schema /openapi.json publishes for this answer; fail if it publishes none."""
    responses = openapi["paths"][path][method.lower()]["responses"]
    assert str(answer.status_code) in responses, (
        f"{method} {path}: {answer.status_code} undocumented"
    )
    content = responses[str(answer.status_code)]["content"]
    media_type = answer.headers["content-type"].split(";")[0]
    assert media_type in content, f"{method} {path}: {media_type} not in {list(content)}"
    return {**content[media_type].get("schema", {}), "components": openapi["components"]}


@pytest.mark.parametrize(
    ("client", "method", "path", "options", "status"),
    CASES,
    ids=[f"{method} {path} {status} ({client})" for client, method, path, _, status in CASES],
)
def test_each_answer_matches_its_published_schema(
    clients: dict[str, TestClient],
    client: str,
    method: str,
    path: str,
    options: dict[str, Any],
    status: int,
) -> None:
    openapi = clients["ready"].get("/openapi.json").json()
    answer = clients[client].request(method, path, **options)
    assert answer.status_code == status, answer.text
    schema = documented_schema(openapi, method, path, answer)
    if answer.headers["content-type"].startswith("application/json"):
        Draft202012Validator(schema).validate(answer.json())


def test_every_documented_path_and_method_is_exercised(clients: dict[str, TestClient]) -> None:
    openapi = clients["ready"].get("/openapi.json").json()
    published = {
        (method.upper(), path) for path, item in openapi["paths"].items() for method in item
    }
    assert published == {(method, path) for _, method, path, _, _ in CASES}
    for path in ("/health", "/ready"):  # HEAD: the same answer, no body (load balancers)
        assert clients["ready"].head(path).status_code == 200


def test_the_schema_check_fails_on_an_answer_that_breaks_the_schema(
    clients: dict[str, TestClient],
) -> None:
    openapi = clients["ready"].get("/openapi.json").json()
    answer = clients["ready"].post("/predict", json=EXAMPLE_CUSTOMER)
    schema = documented_schema(openapi, "POST", "/predict", answer)
    broken = {**answer.json(), "churn_probability": 1.5}
    assert not Draft202012Validator(schema).is_valid(broken)
