"""Service settings come from CHURN_* variables; a bad value is one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from {{ cookiecutter.package_name }}.errors import ConfigError
from {{ cookiecutter.package_name }}.serving.settings import load_settings


def test_defaults_serve_models_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHURN_MODELS_DIR", "CHURN_HOST", "CHURN_PORT", "CHURN_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.models_dir == Path("models")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.threshold is None
    assert settings.max_batch_size == 1000


def test_environment_variables_set_the_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHURN_MODELS_DIR", "/srv/models")
    monkeypatch.setenv("CHURN_THRESHOLD", "0.3")
    monkeypatch.setenv("CHURN_MAX_BATCH_SIZE", "50")
    monkeypatch.setenv("CHURN_ACCESS_LOG", "false")
    settings = load_settings()
    assert settings.models_dir == Path("/srv/models")
    assert settings.threshold == pytest.approx(0.3)
    assert settings.max_batch_size == 50
    assert settings.access_log is False


def test_explicit_overrides_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHURN_PORT", "9000")
    assert load_settings(port=8123).port == 8123


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHURN_THRESHOLD", "1.5"),
        ("CHURN_PORT", "http"),
        ("CHURN_LOG_LEVEL", "loud"),
        ("CHURN_MAX_BATCH_SIZE", "0"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_every_kubernetes_setting_is_a_valid_serving_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configmap = Path(__file__).resolve().parents[2] / "infra" / "k8s" / "configmap.yaml"
    if not configmap.is_file():
        pytest.skip("the project was generated without Kubernetes manifests")
    data = yaml.safe_load(configmap.read_text(encoding="utf-8"))["data"]
    for name, value in data.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    fields = {f"CHURN_{field.upper()}" for field in type(settings).model_fields}
    assert set(data) <= fields
    assert settings.max_queued == int(data["CHURN_MAX_QUEUED"])
