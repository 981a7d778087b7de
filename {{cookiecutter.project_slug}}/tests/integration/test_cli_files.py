"""Hardening of the CLI's files: bad paths fail early in one line, nothing half written stays."""

import errno
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.csv as pa_csv
import pytest
import skops.io
import yaml
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.pipelines import training
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult
from {{ cookiecutter.package_name }}.registry import store

from tests.conftest import FAST_EVALUATION

runner = CliRunner()
as_root = pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw_frame: pd.DataFrame) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    settings = {"evaluation": FAST_EVALUATION}
    (tmp_path / "configs" / "config.yaml").write_text(yaml.safe_dump(settings))
    raw_frame.to_csv("raw.csv", index=False)
    return tmp_path


@pytest.fixture
def no_fitting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a model is fitted: the check must come before the work."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("fitted before the check")

    monkeypatch.setattr(training, "fit_pipeline", refuse)


def one_line_error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def with_model(project: Path, trained: tuple[Config, TrainingResult]) -> Path:
    """The project with a copy of the session's trained models folder (no training here)."""
    return Path(shutil.copytree(trained[0].paths.models_dir, project / "models"))


def trained(project: Path) -> None:
    assert runner.invoke(app, ["train", "--data", "raw.csv"]).exit_code == 0


@pytest.mark.usefixtures("no_fitting")
def test_a_models_path_that_is_a_file_stops_training_before_fitting(project: Path) -> None:
    Path("models").write_text("not a folder")
    assert "models folder models is a file" in one_line_error(["train", "--data", "raw.csv"])


@as_root
@pytest.mark.usefixtures("no_fitting")
def test_an_unwritable_models_folder_stops_training_before_fitting(project: Path) -> None:
    Path("models").mkdir(mode=0o500)
    assert "is not writable" in one_line_error(["train", "--data", "raw.csv"])


@pytest.mark.usefixtures("no_fitting")
def test_a_reports_path_that_is_a_file_stops_training_before_fitting(project: Path) -> None:
    Path("reports").write_text("not a folder")
    assert "reports folder reports is a file" in one_line_error(["train", "--data", "raw.csv"])


def test_a_full_disk_while_training_is_one_line_and_leaves_no_build(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "models/model.skops")

    monkeypatch.setattr(skops.io, "dump", full)
    assert "No space left on device" in one_line_error(["train", "--data", "raw.csv"])
    assert store.list_versions(Path("models")) == []
    assert [path.name for path in Path("models").iterdir()] == ["versions"]
    assert not Path("reports/metrics.json").exists()


@pytest.mark.usefixtures("with_model")
def test_an_output_that_is_a_folder_is_refused_before_scoring(project: Path) -> None:
    Path("out").mkdir()
    assert "--output out is a folder" in one_line_error(["predict", "-i", "raw.csv", "-o", "out"])


@pytest.mark.usefixtures("with_model")
def test_an_output_inside_a_file_is_refused_before_scoring(project: Path) -> None:
    Path("file").write_text("x")
    message = one_line_error(["predict", "-i", "raw.csv", "-o", "file/out.csv"])
    assert "file is a file, not a folder" in message


@as_root
@pytest.mark.usefixtures("with_model")
def test_an_unwritable_output_folder_is_refused_before_scoring(project: Path) -> None:
    Path("locked").mkdir(mode=0o500)
    assert "not writable" in one_line_error(["predict", "-i", "raw.csv", "-o", "locked/o.csv"])


@pytest.mark.usefixtures("with_model")
def test_a_full_disk_while_scoring_is_one_line_and_leaves_no_temporary(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class FullDisk:
        """A CSV writer that writes part of a line, then finds the disk full."""

        def __init__(self, path: Path, _: object) -> None:
            Path(path).write_bytes(b"customerID,churn")

        def write_batch(self, _: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def close(self) -> None:
            """Nothing is left open."""

    monkeypatch.setattr(pa_csv, "CSVWriter", FullDisk)
    assert "No space left on device" in one_line_error(["predict", "-i", "raw.csv", "-o", "o.csv"])
    assert sorted(path.name for path in project.iterdir() if path.name.startswith(".")) == []
    assert not Path("o.csv").exists()


@pytest.mark.usefixtures("with_model")
def test_temporaries_of_a_killed_run_are_removed_by_the_next(project: Path, dead_pid: int) -> None:
    pid = dead_pid
    stale_output = Path(f".scored.csv.{pid}.abc123.tmp")
    stale_output.write_bytes(b"x" * 1000)
    live_output = Path(f".scored.csv.{os.getpid()}.def456.tmp")
    live_output.write_bytes(b"x")
    stale_build = Path("models") / f"{store.STAGING_PREFIX}{pid}.xyz"
    stale_build.mkdir()

    result = runner.invoke(app, ["predict", "-i", "raw.csv", "-o", "scored.csv"])
    assert result.exit_code == 0, result.output
    assert not stale_output.exists()
    assert live_output.exists()  # a running process's temporary is left alone
    trained(project)
    assert not stale_build.exists()


def test_data_generate_to_a_folder_names_the_folder(project: Path) -> None:
    Path("out").mkdir()
    for extra in ([], ["--force"], ["--if-missing"]):
        message = one_line_error(["data", "generate", "--rows", "20", "--out", "out", *extra])
        assert message == "error: --out out is a folder; name a file to write"
    assert list(Path("out").iterdir()) == []


@pytest.mark.parametrize("command", [["data", "validate"], ["data", "split"], ["train"]])
@pytest.mark.usefixtures("no_fitting")
def test_repeated_customers_are_refused_before_splitting(
    project: Path, raw_frame: pd.DataFrame, command: list[str]
) -> None:
    pd.concat([raw_frame, raw_frame.head(3)]).to_csv("twice.csv", index=False)
    message = one_line_error([*command, "--data", "twice.csv"])
    first = raw_frame["customerID"].iloc[0]
    assert f"must be unique: 3 of {len(raw_frame) + 3} rows repeat an earlier ID" in message
    assert f"(first: '{first}'," in message
    assert not Path("data/processed").exists()
