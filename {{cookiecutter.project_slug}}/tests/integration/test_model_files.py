"""Hardening of the model files: a bad version is "not loaded", with the reason, never a crash."""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.pipelines import training
from {{ cookiecutter.package_name }}.pipelines.training import run_training
from {{ cookiecutter.package_name }}.registry.store import (
    list_versions,
    production_version,
)

from tests.conftest import make_config
from tests.integration.conftest import ServeFactory
from tests.model_files import edit_metadata

runner = CliRunner()


@pytest.fixture
def copied(tmp_path: Path, trained: tuple[Config, Any]) -> Path:
    """A writable copy of the session's models folder."""
    copy = tmp_path / "models"
    shutil.copytree(trained[0].paths.models_dir, copy)
    return copy


BAD_METADATA = [
    pytest.param(lambda m: m.update(schema_version=1), "schema_version", id="old-schema"),
    pytest.param(lambda m: m.pop("threshold"), "threshold is missing", id="no-threshold"),
    pytest.param(lambda m: m.update(threshold="x"), "threshold", id="text-threshold"),
    pytest.param(lambda m: m.update(threshold=7), "less than 1", id="threshold-7"),
    pytest.param(lambda m: m.pop("model_version"), "model_version is missing", id="no-version"),
]


@pytest.mark.parametrize(("change", "reason"), BAD_METADATA)
def test_the_service_starts_and_says_why_the_model_is_not_loaded(
    serve: ServeFactory, copied: Path, change: Any, reason: str
) -> None:
    edit_metadata(copied, change)
    with serve(copied) as client:
        ready = client.get("/ready")
        assert ready.status_code == 503
        assert reason in ready.json()["reason"]
        assert client.get("/health").status_code == 200
        assert client.post("/predict", json={}).status_code in (422, 503)


@pytest.mark.parametrize(("change", "reason"), BAD_METADATA)
def test_the_cli_says_why_in_one_line(
    copied: Path, trained: tuple[Config, Any], change: Any, reason: str, tmp_path: Path
) -> None:
    edit_metadata(copied, change)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"paths": {"models_dir": str(copied)}}))
    source = trained[0].data.raw_path
    result = runner.invoke(
        app, ["predict", "-i", str(source), "-o", str(tmp_path / "out.csv"), "-c", str(config)]
    )
    assert result.exit_code == 1
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out.csv").exists()


def test_a_run_that_fails_before_publishing_leaves_nothing_behind(
    tmp_path: Path, raw_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_config(tmp_path)
    first = run_training(settings, raw_csv)
    reports = {p: p.read_bytes() for p in settings.paths.reports_dir.rglob("*") if p.is_file()}
    split = {p: p.read_bytes() for p in settings.data.processed_dir.rglob("*") if p.is_file()}

    def killed(*_: object) -> None:
        raise KeyboardInterrupt  # as a kill between writing the model and its manifest

    monkeypatch.setattr(training, "write_manifest", killed)
    with pytest.raises(KeyboardInterrupt):
        run_training(settings, raw_csv)
    assert list_versions(settings.paths.models_dir) == [first.version_dir.name]
    assert production_version(settings.paths.models_dir) == first.version_dir.name
    assert sorted(p.name for p in settings.paths.models_dir.iterdir()) == [
        "history.jsonl",
        "production.json",
        "versions",
    ]
    assert {p: p.read_bytes() for p in reports} == reports
    assert {p: p.read_bytes() for p in split} == split
