"""Each setting has one home, the settings file; a CHURN_* variable overrides it everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from {{ cookiecutter.package_name }}.config import Config, env_name, parse_config
from {{ cookiecutter.package_name }}.errors import ConfigError


def test_the_environment_overrides_the_settings_file(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = {"paths": {"models_dir": "from-file", "reports_dir": "r"}, "serving": {"port": 1}}
    monkeypatch.setenv("CHURN_PATHS__MODELS_DIR", "/srv/models")
    monkeypatch.setenv("CHURN_SERVING__THRESHOLD", "0.3")
    config = parse_config(settings)
    assert config.paths.models_dir == Path("/srv/models")  # train and serve read this one
    assert config.paths.reports_dir == Path("r")  # the rest of the section stays
    assert config.serving.threshold == pytest.approx(0.3)
    assert config.serving.port == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CHURN_SERVING__THRESHOLD", "1.5"),
        ("CHURN_SERVING__PORT", "http"),
        ("CHURN_SERVING__LOG_LEVEL", "loud"),
        ("CHURN_SERVING__MAX_BATCH_SIZE", "0"),
    ],
)
def test_a_bad_variable_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        parse_config({})


def _is_setting(model: type[BaseModel], path: list[str]) -> bool:
    field = model.model_fields.get(path[0])
    if field is None:
        return False
    if len(path) == 1:
        return True
    inner = field.annotation
    return isinstance(inner, type) and issubclass(inner, BaseModel) and _is_setting(inner, path[1:])


def test_env_name_spells_the_variable_of_a_setting() -> None:
    assert env_name(("serving", "port")) == "CHURN_SERVING__PORT"


@pytest.mark.parametrize("manifest", ["configmap.yaml"])
def test_every_kubernetes_variable_is_a_setting(
    monkeypatch: pytest.MonkeyPatch, manifest: str
) -> None:
    configmap = Path(__file__).resolve().parents[2] / "infra" / "k8s" / manifest
    if not configmap.is_file():
        pytest.skip("the project was generated without Kubernetes manifests")
    data = yaml.safe_load(configmap.read_text(encoding="utf-8"))["data"]
    for name, value in data.items():
        assert name.startswith("CHURN_"), name
        path = name.removeprefix("CHURN_").lower().split("__")
        assert _is_setting(Config, path), f"{name} names no setting"
        monkeypatch.setenv(name, value)
    parse_config({})  # and every value is valid
