"""The service follows the production pointer: no restart, no failed request, no half model."""

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER
from {{ cookiecutter.package_name }}.pipelines.outcome import TrainingResult
from {{ cookiecutter.package_name }}.registry.manifest import write_manifest
from {{ cookiecutter.package_name }}.registry.metadata import METADATA_FILE
from {{ cookiecutter.package_name }}.registry.store import (
    production_dir,
    production_version,
    set_production,
)

from tests.integration.conftest import (
    ServeFactory,
    serve_process,
)
from tests.model_files import clone_version

FAST = {"reload_interval": 0.05}
MAX_REQUESTS = 400


@pytest.fixture
def store(tmp_path: Path, trained: tuple[Config, TrainingResult]) -> Path:
    """A writable copy of the trained model store, with a second version ready to promote."""
    copy = tmp_path / "models"
    shutil.copytree(trained[0].paths.models_dir, copy)
    clone_version(copy, "20990101T000000Z-candidate")
    return copy


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_promotion_switches_the_service_once_without_a_failed_request(
    serve: ServeFactory, store: Path
) -> None:
    old = production_version(store)
    new = "20990101T000000Z-candidate"
    answers: list[tuple[int, str]] = []
    with serve(store, **FAST) as client:
        deadline = time.monotonic() + 60
        while len(answers) < MAX_REQUESTS and time.monotonic() < deadline:
            if len(answers) == 50:
                set_production(store, new, "promote", "hot reload test")
            answer = client.post("/predict", json=EXAMPLE_CUSTOMER)
            answers.append((answer.status_code, answer.json().get("model_version")))
            if answers[-1][1] == new and answers.count(answers[-1]) >= 50:
                break
        exported = client.get("/metrics").text
    assert 'churn_model_info{version="' + new + '"} 1.0' in exported
    assert f'version="{old}"' not in exported
    assert {status for status, _ in answers} == {200}
    versions = [version for _, version in answers]
    switch = versions.index(new)
    assert switch >= 50
    assert versions == [old] * switch + [new] * (len(versions) - switch)  # switched once


def test_a_version_that_fails_to_load_is_refused_and_the_old_one_keeps_serving(
    serve: ServeFactory, store: Path
) -> None:
    old = production_version(store)
    broken = store / "versions" / "20990101T000000Z-candidate"
    (broken / "model.onnx").write_bytes(b"not a model")
    with serve(store, **FAST) as client:
        set_production(store, broken.name, "promote", "a broken version")
        wait_for(lambda: "reload_error" in client.get("/ready").json())
        ready = client.get("/ready").json()
        assert ready["model_version"] == old
        assert broken.name in ready["reload_error"]
        assert "checksum" in ready["reload_error"]
        assert client.get("/model").json()["reload_error"] == ready["reload_error"]
        answer = client.post("/predict", json=EXAMPLE_CUSTOMER)
        assert (answer.status_code, answer.json()["model_version"]) == (200, old)


def exported(client: TestClient) -> dict[str, float]:
    """Return the model's figures in a scrape of /metrics: training rate, expected share."""
    figures = {}
    for family in text_string_to_metric_families(client.get("/metrics").text):
        if family.name in ("churn_model_training_churn_rate", "churn_model_expected_churn_share"):
            (sample,) = family.samples
            figures[family.name] = sample.value
    return figures


def training_churn_rate(client: TestClient) -> float | None:
    """Return churn_model_training_churn_rate from a scrape of /metrics (None: absent)."""
    return exported(client).get("churn_model_training_churn_rate")


def recorded(version: Path) -> dict[str, float]:
    """Return the figures a version's metadata.json records, by the metric exporting each."""
    metadata = json.loads((version / METADATA_FILE).read_text())
    return {
        "churn_model_training_churn_rate": metadata["data"]["churn_rate"],
        "churn_model_expected_churn_share": metadata["metrics"]["predicted_churn_share"],
    }


def recorded_churn_rate(version: Path) -> float:
    """Return the training churn rate saved in a version's metadata.json."""
    return recorded(version)["churn_model_training_churn_rate"]


def test_a_service_started_before_training_loads_the_first_version(
    serve: ServeFactory, store: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "later"
    with serve(empty, **FAST) as client:
        assert client.get("/ready").status_code == 503
        assert exported(client) == {}  # absent, not 0: no alert on a guess
        shutil.copytree(store / "versions", empty / "versions")  # as train: version first,
        shutil.copy(store / "production.json", empty / "production.json")  # then the pointer
        wait_for(lambda: client.get("/ready").status_code == 200)
        assert exported(client) == recorded(production_dir(store))


def test_the_exported_training_churn_rate_follows_a_hot_swap(
    serve: ServeFactory, store: Path
) -> None:
    new = "20990101T000000Z-candidate"
    candidate = store / "versions" / new
    metadata = json.loads((candidate / METADATA_FILE).read_text())
    metadata["data"]["churn_rate"] = 0.5  # as if trained on other customers
    (candidate / METADATA_FILE).write_text(json.dumps(metadata))
    write_manifest(candidate, new)
    with serve(store, **FAST) as client:
        old_rate = recorded_churn_rate(production_dir(store))
        assert old_rate != 0.5
        assert training_churn_rate(client) == old_rate
        set_production(store, new, "promote", "training churn rate test")
        wait_for(lambda: client.get("/ready").json()["model_version"] == new)
        assert training_churn_rate(client) == 0.5


def test_a_running_serve_process_follows_a_promotion(store: Path, tmp_path: Path) -> None:
    settings = tmp_path / "settings.yaml"
    settings.write_text("serving:\n  reload_interval: 0.2\n  access_log: false\n")
    env = {**os.environ, "CHURN_PATHS__MODELS_DIR": str(store)}  # the environment overrides

    def version(base: str) -> str | None:
        try:
            found: str | None = httpx.get(base + "/ready", timeout=2).json().get("model_version")
        except httpx.HTTPError:
            return None
        return found

    args = ["--config", str(settings)]
    with serve_process(args, env, tmp_path, lambda base: version(base) is not None) as (_, base):
        new = "20990101T000000Z-candidate"
        assert version(base) != new
        set_production(store, new, "promote", "a running server follows it")
        wait_for(lambda: version(base) == new, seconds=30)
