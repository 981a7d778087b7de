import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app

from tests.conftest import FAST_EVALUATION

runner = CliRunner()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a small config, as if it were the project root."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "config.yaml").write_text(
        yaml.safe_dump({"evaluation": FAST_EVALUATION})
    )
    return tmp_path


def test_generate_train_evaluate_predict(project: Path) -> None:
    raw = Path("data/raw/telco_churn.csv")
    result = runner.invoke(app, ["data", "generate", "--rows", "500", "--out", str(raw)])
    assert result.exit_code == 0, result.output
    before = raw.read_bytes()

    result = runner.invoke(app, ["train", "--data", str(raw)])
    assert result.exit_code == 0, result.output
    assert "roc_auc" in result.output
    metrics = json.loads(Path("reports/metrics.json").read_text())
    assert metrics["n_train"] + metrics["n_test"] == 500
    assert "figures" not in result.output  # evaluation.figures is off: metrics, no PNG
    assert not Path("reports/figures").exists()

    result = runner.invoke(app, ["evaluate"])
    assert result.exit_code == 0, result.output

    result = runner.invoke(app, ["predict", "--input", str(raw), "--output", "scored.csv"])
    assert result.exit_code == 0, result.output
    assert "Scored 500 rows" in result.output
    assert "Scoring" not in result.output  # no progress bar where output is not a terminal
    scored = pd.read_csv("scored.csv")
    assert list(scored.columns) == ["customerID", "churn_probability", "churn"]
    assert scored["churn"].dtype == bool
    assert raw.read_bytes() == before

    shards = ["--shard-count", "2", "--shard-index", "1"]
    result = runner.invoke(app, ["predict", "-i", str(raw), "-o", "part.parquet", *shards])
    assert result.exit_code == 0, result.output
    assert "Scored 250 rows (shard 1 of 2)" in result.output
    assert pd.read_parquet("part.parquet")["churn"].dtype == bool


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--data", "absent.csv"], "data file not found: absent.csv"),
        (["train", "--config", "absent.yaml"], "config file not found"),
        (["evaluate"], "run train first"),
        (["predict", "--input", "absent.csv", "--output", "o.csv"], "run train first"),
        (["predict", "-i", "a.csv", "-o", "o.txt"], "--output o.txt: unknown extension '.txt'"),
        (["predict", "-i", "a.txt", "-o", "o.csv"], "--input a.txt: unknown extension '.txt'"),
        (["data", "generate", "--out", "raw.txt"], "--out raw.txt: unknown extension '.txt'"),
        (["data", "generate", "--rows", str(10**14), "--out", "big.csv"], "not enough memory"),
    ],
)
def test_a_user_mistake_is_one_line_and_exit_code_1(
    project: Path, args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert not list(project.glob("*.csv"))  # nothing written, not even a part


def test_serve_refuses_a_score_log_folder_it_cannot_write_before_starting(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("taken").write_text("mine")
    monkeypatch.setenv("CHURN_SERVING__SCORE_LOG_DIR", "taken")
    monkeypatch.setattr("granian.Granian.serve", lambda _: pytest.fail("the server started"))
    result = runner.invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: serving.score_log_dir taken is a file, not a folder"


def test_a_bad_config_value_is_named(project: Path) -> None:
    Path("configs/config.yaml").write_text("model:\n  threshold: 2\n")
    result = runner.invoke(app, ["train"])
    assert result.exit_code == 1
    assert "model.threshold" in result.stderr


def test_a_bad_column_is_named(project: Path) -> None:
    raw = Path("raw.csv")
    runner.invoke(app, ["data", "generate", "--rows", "50", "--out", str(raw)])
    raw.write_text(raw.read_text().replace("Fiber optic", "Fibre", 1))
    result = runner.invoke(app, ["train", "--data", str(raw)])
    assert result.exit_code == 1
    assert "column 'InternetService'" in result.stderr
    assert "'Fibre'" in result.stderr


def test_generate_uses_the_config_and_can_skip_an_existing_file(project: Path) -> None:
    Path("configs/config.yaml").write_text(
        "data:\n  raw_path: raw/customers.csv\n  synthetic_rows: 40\n"
    )
    result = runner.invoke(app, ["data", "generate", "--if-missing"])
    assert result.exit_code == 0, result.output
    written = Path("raw/customers.csv").read_bytes()
    assert written.count(b"\n") == 41
    result = runner.invoke(app, ["data", "generate", "--if-missing", "--rows", "10"])
    assert result.exit_code == 0
    assert "left as it is" in result.output
    assert Path("raw/customers.csv").read_bytes() == written


@pytest.mark.parametrize(
    ("churned", "rows", "command", "message"),
    [
        (2, 5, "train", "cannot make a stratified 20% hold-out set from 5 rows"),
        (2, 8, "train", "hold-out rows: column 'Churn' needs at least 1 'Yes' and 1 'No' rows"),
        (3, 10, "train", "training rows: column 'Churn' needs at least 5 'Yes' and 5 'No' rows"),
        (3, 10, "tune", "rows for 5-fold cross-validation (tuning.folds), found 2 'Yes'"),
    ],
    ids=["split", "hold-out", "threshold-folds", "tuning-folds"],
)
def test_too_few_rows_is_one_line(
    project: Path, raw_frame: pd.DataFrame, churned: int, rows: int, command: str, message: str
) -> None:
    labels = ["Yes"] * churned + ["No"] * (rows - churned)
    raw_frame.head(rows).assign(Churn=labels).to_csv("tiny.csv", index=False)
    result = runner.invoke(app, [command, "--data", "tiny.csv"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: tiny.csv")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_generate_will_not_overwrite_without_force(project: Path) -> None:
    Path("keep.csv").write_text("mine")
    result = runner.invoke(app, ["data", "generate", "--rows", "20", "--out", "keep.csv"])
    assert result.exit_code == 1
    assert Path("keep.csv").read_text() == "mine"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("data", "train", "evaluate", "predict"):
        assert command in result.output
