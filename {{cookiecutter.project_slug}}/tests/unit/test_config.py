from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package_name }} import config
from {{ cookiecutter.package_name }}.config import (
    CONFIG_CANDIDATES,
    Config,
    default_config_path,
    load_config,
    parse_config,
)
from {{ cookiecutter.package_name }}.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROJECT_CONFIG = next(
    PROJECT_ROOT / name for name in CONFIG_CANDIDATES if (PROJECT_ROOT / name).is_file()
)


def _names(settings: dict[str, Any], prefix: str = "") -> set[str]:
    """Return the dotted name of every setting in a nested mapping: {"model.threshold", ...}."""
    names: set[str] = set()
    for key, value in settings.items():
        name = f"{prefix}{key}"
        names |= _names(value, f"{name}.") if isinstance(value, dict) else {name}
    return names


def test_the_project_config_is_valid_and_names_every_setting() -> None:
    """The settings file is where each setting is read and changed, so it names them all.

    Its values are the project's own (and ``tune``'s file is laid over them only at load).
    """
    payload = yaml.safe_load(PROJECT_CONFIG.read_text(encoding="utf-8"))
    parse_config(payload, PROJECT_CONFIG)
    assert _names(payload) == _names(Config().model_dump(mode="json"))


def test_an_unknown_key_is_named(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("model:\n  estimater: random_forest\n")
    with pytest.raises(ConfigError, match=r"unknown key 'model\.estimater'"):
        load_config(path)


def test_a_bad_value_is_named_with_what_was_given() -> None:
    with pytest.raises(ConfigError, match=r"model\.estimator: .*'xgboost'"):
        parse_config({"model": {"estimator": "xgboost"}})
    with pytest.raises(ConfigError, match=r"split\.test_size"):
        parse_config({"split": {"test_size": 1.5}})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"model: [unclosed\n", "not valid YAML at line 2"),
        (b"seed: 7 # \xe9t\xe9, saved as Latin-1\n", r"not UTF-8 text \(byte 11\)"),
    ],
    ids=["broken", "latin-1"],
)
def test_an_unreadable_file_is_a_config_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_config(path)


def test_a_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "absent.yaml")


def test_a_non_mapping_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        parse_config(["a", "list"])


def test_estimator_params_follow_the_selected_estimator() -> None:
    settings = parse_config({"model": {"estimator": "random_forest"}})
    assert settings.model.estimator_params()["n_estimators"] == 300


def test_the_default_config_is_params_yaml_first_then_configs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(config, "packaged_config", lambda: None)  # a source checkout
    with pytest.raises(ConfigError, match="no settings file"):
        default_config_path()
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "config.yaml").write_text("seed: 1\n")
    assert default_config_path() == Path("configs/config.yaml")
    (tmp_path / "params.yaml").write_text("seed: 2\n")
    assert default_config_path() == Path("params.yaml")
    assert load_config().seed == 2


def test_without_a_settings_file_the_packaged_one_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packaged = tmp_path / "packaged.yaml"
    packaged.write_text("seed: 3\n")
    monkeypatch.setattr(config, "packaged_config", lambda: packaged)
    monkeypatch.chdir(tmp_path)
    assert load_config().seed == 3
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "config.yaml").write_text("seed: 4\n")
    assert load_config().seed == 4
