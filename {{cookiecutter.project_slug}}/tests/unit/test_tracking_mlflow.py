from pathlib import Path

import mlflow
import pytest

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.pipelines.tracking import (
    EXPERIMENT_NAME,
    make_tracker,
    run_params,
)
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult


@pytest.fixture
def tracking_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A throwaway SQLite tracking store, as MLFLOW_TRACKING_URI would name a server."""
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{(tmp_path / 'mlflow.db').as_posix()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    return uri


def test_a_training_run_is_logged_with_params_metrics_figures_and_model(
    trained: tuple[Config, TrainingResult], tracking_uri: str
) -> None:
    config, result = trained
    tracker = make_tracker()
    assert tracker is not None
    run_id = tracker.log_training_run(config, result)
    assert run_id is not None

    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    run = client.get_run(run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == EXPERIMENT_NAME
    assert run.data.params["estimator"] == config.model.estimator
    assert run.data.params["seed"] == str(config.seed)
    assert run.data.params["split.test_size"] == str(config.split.test_size)
    assert "model.logistic_regression.C" in run.data.params
    assert run.data.metrics["roc_auc"] == pytest.approx(result.evaluation.metrics["roc_auc"])
    figures = {Path(item.path).name for item in client.list_artifacts(run_id, "figures")}
    assert figures == {path.name for path in result.evaluation.figures}
    model_files = {Path(item.path).name for item in client.list_artifacts(run_id, "model")}
    assert {"model.joblib", "metadata.json"} <= model_files


def test_the_params_name_the_estimator_and_its_hyper_parameters() -> None:
    params = run_params(Config())
    assert params["estimator"] == "logistic_regression"
    assert params["model.logistic_regression.max_iter"] == 1000
