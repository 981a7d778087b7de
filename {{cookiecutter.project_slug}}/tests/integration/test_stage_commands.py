import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.data.schema import RAW_COLUMNS

from tests.conftest import FAST_EVALUATION

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a small params.yaml, as a DVC project root has."""
    monkeypatch.chdir(tmp_path)
    settings = {"data": {"synthetic_rows": 400}, "evaluation": FAST_EVALUATION}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(settings))
    return tmp_path


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_the_stage_commands_run_the_training_flow_step_by_step(project: Path) -> None:
    invoke("data", "generate", "--if-missing")

    invoke("data", "validate")
    validation = json.loads(Path("reports/validation.json").read_text())
    assert validation["rows"] == 400
    assert validation["columns"] == len(RAW_COLUMNS)
    assert 0 < validation["churn_rate"] < 1

    invoke("data", "split")
    train = pd.read_csv("data/processed/train.csv")
    test = pd.read_csv("data/processed/test.csv")
    assert len(train) + len(test) == 400
    assert list(train.columns) == list(test.columns)

    invoke("fit")
    (folder,) = Path("models/versions").iterdir()
    assert (folder / "model.skops").is_file()
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["metrics"]["n_test"] == len(test)
    assert not Path("reports/metrics.json").exists()

    invoke("evaluate")
    metrics = json.loads(Path("reports/metrics.json").read_text())
    assert metrics["n_train"] == len(train)
    roc = pd.read_csv("reports/plots/roc.csv")
    assert list(roc.columns) == ["fpr", "tpr"]
    confusion = pd.read_csv("reports/plots/confusion.csv")
    assert len(confusion) == len(test)
    for name in ("precision_recall.csv", "calibration.csv"):
        assert Path("reports/plots", name).is_file()


def test_fit_without_a_split_names_the_missing_step(project: Path) -> None:
    result = runner.invoke(app, ["fit"])
    assert result.exit_code == 1
    assert "data split" in result.output


def test_a_bad_raw_file_fails_validation_with_one_line(project: Path) -> None:
    raw = Path("data/raw/telco_churn.csv")
    raw.parent.mkdir(parents=True)
    raw.write_text("customerID,Churn\nA,Maybe\n")
    result = runner.invoke(app, ["data", "validate"])
    assert result.exit_code == 1
    assert "error:" in result.output
