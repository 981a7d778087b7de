import json
from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.data.load import read_raw
from {{ cookiecutter.package_name }}.files import sha256_file
from {{ cookiecutter.package_name }}.models.plots import FIGURE_NAMES
from {{ cookiecutter.package_name }}.pipelines.evaluation import run_evaluation
from {{ cookiecutter.package_name }}.pipelines.training import (
    TrainingResult,
    run_training,
)
from {{ cookiecutter.package_name }}.registry.artifacts import load_model

from tests.conftest import SMALL_ROWS, make_config

REQUIRED_METRICS = {
    "roc_auc",
    "pr_auc",
    "f1",
    "precision",
    "recall",
    "accuracy",
    "brier",
    "n_train",
    "n_test",
}


@pytest.mark.usefixtures("raw_csv")  # the raw file at make_config(tmp_path)'s raw_path
def test_training_writes_model_metadata_metrics_and_figures(tmp_path: Path) -> None:
    settings = make_config(tmp_path, figures=True)
    result = run_training(settings)
    metrics = json.loads((settings.paths.reports_dir / "metrics.json").read_text())
    assert set(metrics) >= REQUIRED_METRICS
    assert metrics["n_train"] + metrics["n_test"] == SMALL_ROWS
    assert metrics["n_test"] == SMALL_ROWS // 5
    assert metrics["roc_auc"] > 0.7
    folder = result.version_dir
    metadata = json.loads((folder / "metadata.json").read_text())
    assert {"model_version", "created_at", "metrics", "data", "library_versions"} <= set(metadata)
    assert metadata["data"]["sha256"] == sha256_file(settings.data.raw_path)
    for name in FIGURE_NAMES:
        assert (settings.paths.reports_dir / "figures" / f"{name}.png").stat().st_size > 1000
        assert (folder / "reports" / "figures" / f"{name}.png").is_file()
    assert (folder / "model_card.md").is_file()
    assert json.loads((folder / "reports" / "metrics.json").read_text()) == metrics
    assert metrics.pop("threshold_source") == metadata["threshold_source"]
    low, high = metrics.pop("roc_auc_ci")  # a 95% bootstrap interval on the hold-out
    assert low < metrics["roc_auc"] < high
    assert result.evaluation.metrics == metrics  # numbers only: the gate compares them
    for name in ("cumulative_gains", "profit_by_threshold"):
        assert (folder / "reports" / "figures" / f"{name}.png").stat().st_size > 1000


def test_the_split_is_stratified_and_keeps_raw_rows(trained: tuple[Config, TrainingResult]) -> None:
    settings, _ = trained
    raw = read_raw(settings.data.raw_path)
    train = read_raw(settings.data.processed_dir / "train.csv")
    test = read_raw(settings.data.processed_dir / "test.csv")
    assert len(train) + len(test) == len(raw)
    assert set(train["customerID"]).isdisjoint(test["customerID"])
    rate = (raw["Churn"] == "Yes").mean()
    assert abs((test["Churn"] == "Yes").mean() - rate) < 0.02
    merged = pd.concat([train, test]).set_index("customerID").loc[raw["customerID"]]
    pd.testing.assert_frame_equal(merged.reset_index(), raw)


def test_evaluation_reproduces_the_training_metrics(tmp_path: Path, raw_csv: Path) -> None:
    settings = make_config(tmp_path)
    trained_metrics = run_training(settings, raw_csv).evaluation.metrics
    _, evaluation = run_evaluation(settings)
    assert evaluation.metrics == pytest.approx(trained_metrics, nan_ok=True)


def test_training_is_reproducible_for_a_seed_and_never_modifies_the_raw_file(
    tmp_path: Path, raw_csv: Path
) -> None:
    before = raw_csv.read_bytes()
    first = run_training(make_config(tmp_path / "a"), raw_csv).evaluation.metrics
    second = run_training(make_config(tmp_path / "b"), raw_csv).evaluation.metrics
    assert first == second
    assert raw_csv.read_bytes() == before


def test_a_model_trained_elsewhere_loads(trained: tuple[Config, TrainingResult]) -> None:
    settings, result = trained
    assert load_model(settings.paths.models_dir).version == result.metadata["model_version"]
    assert result.production
