"""The benchmark's HTTP floor serves the real app with a stand-in model: it must start."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_floor_app_starts_ready_with_a_model_that_records_no_training_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHURN_PATHS__MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("CHURN_SERVING__RELOAD_INTERVAL", "0")
    floor = _load("floor_app")
    with TestClient(floor.create_app()) as client:
        assert client.get("/ready").status_code == 200
        metrics = client.get("/metrics").text
    assert 'churn_model_info{version="constant"} 1.0' in metrics
    assert "churn_model_training_churn_rate " not in metrics
