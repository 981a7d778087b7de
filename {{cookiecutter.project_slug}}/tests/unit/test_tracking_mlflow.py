from pathlib import Path

import mlflow
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.errors import ConfigError, OutputError
from {{ cookiecutter.package_name }}.pipelines import tracking
from {{ cookiecutter.package_name }}.pipelines.outcome import (
    Tracker,
    TrainingResult,
)
from {{ cookiecutter.package_name }}.pipelines.tracking import (
    CHAMPION_ALIAS,
    CV_METRIC,
    EXPERIMENT_NAME,
    REGISTERED_MODEL,
    STUDY_TAG,
    make_tracker,
    run_params,
)
from {{ cookiecutter.package_name }}.pipelines.tuning import run_tuning

from tests.conftest import make_config


@pytest.fixture
def tracking_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A throwaway SQLite tracking store, as MLFLOW_TRACKING_URI would name a server."""
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{(tmp_path / 'mlflow.db').as_posix()}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    return uri


@pytest.fixture
def tracker(tracking_uri: str) -> Tracker:
    """The tracker the CLI injects into the training and promotion flows."""
    made = make_tracker()
    assert made is not None
    return made


def test_a_training_run_is_logged_with_params_metrics_figures_and_model(
    trained: tuple[Config, TrainingResult], tracking_uri: str, tracker: Tracker
) -> None:
    config, result = trained
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
    assert {"model.skops", "metadata.json", "manifest.json", "model_card.md"} <= model_files


def test_each_version_is_registered_and_the_champion_alias_follows_production(
    trained: tuple[Config, TrainingResult], tracking_uri: str, tracker: Tracker
) -> None:
    config, result = trained
    tracker.log_training_run(config, result)
    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    (registered,) = client.search_model_versions(f"name='{REGISTERED_MODEL}'")
    assert registered.tags["model_version"] == result.metadata["model_version"]
    assert str(registered.source).endswith("/model")

    tracker.promoted(result.metadata["model_version"])
    champion = client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS)
    assert champion.version == registered.version


def test_a_store_mlflow_cannot_use_stops_the_command_before_any_work(
    tracking_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Path("settings.yaml").write_text("{}\n")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "nosuchscheme://tracking")
    result = CliRunner().invoke(app, ["train", "--config", "settings.yaml"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: MLflow cannot use the tracking store nosuchscheme://")
    assert len(result.stderr.strip().splitlines()) == 1
    assert not Path("models").exists()  # nothing trained, nothing published


def test_a_deleted_experiment_is_named(tracking_uri: str) -> None:
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.delete_experiment(mlflow.create_experiment(EXPERIMENT_NAME))
    tracker = make_tracker()
    assert tracker is not None
    with pytest.raises(ConfigError, match=f"experiment '{EXPERIMENT_NAME}' is deleted"):
        tracker.open()


def test_a_failure_after_publishing_says_what_is_done(
    trained: tuple[Config, TrainingResult], tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, result = trained
    version = result.metadata["model_version"]

    def refuse(*_: object) -> None:
        raise RuntimeError("the store went away\nsecond line")

    monkeypatch.setattr(f"{tracking.__name__}.log_training_run", refuse)
    monkeypatch.setattr(f"{tracking.__name__}.set_champion", refuse)
    with pytest.raises(OutputError) as logged:
        tracker.log_training_run(config, result)
    assert str(logged.value) == (
        f"model {version} is published, but MLflow did not log its run "
        "(RuntimeError: the store went away)"
    )
    with pytest.raises(OutputError, match=f"production is {version}, but MLflow's champion"):
        tracker.promoted(version)


def test_the_params_name_the_estimator_its_hyper_parameters_and_the_threshold_used() -> None:
    metadata = {"params_source": "settings", "threshold": 0.14, "threshold_source": "campaign"}
    params = run_params(Config(), metadata)
    assert params["estimator"] == "logistic_regression"
    assert params["model.logistic_regression.max_iter"] == 1000
    assert (params["threshold"], params["threshold_source"]) == (0.14, "campaign")
    assert params["campaign.contact_cost"] == Config().campaign.contact_cost


def test_each_trial_of_a_tune_run_is_a_nested_run_with_its_params_and_score(
    tmp_path: Path, raw_csv: Path, tracking_uri: str, tracker: Tracker
) -> None:
    config = make_config(tmp_path)
    result = run_tuning(config, trials=2, tracker=tracker)

    client = mlflow.MlflowClient(tracking_uri=tracking_uri)
    experiment = client.get_experiment_by_name(EXPERIMENT_NAME)
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id])
    (parent,) = (run for run in runs if run.data.tags.get(STUDY_TAG) == result.study)
    trials = [run for run in runs if run.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    assert len(trials) == 2
    scores = [run.data.metrics[CV_METRIC] for run in trials]
    assert parent.data.metrics[f"best_{CV_METRIC}"] == pytest.approx(max(scores))
    assert max(scores) == pytest.approx(result.best_score)
    assert all(set(run.data.params) == {"C", "class_weight"} for run in trials)
