"""Experiment tracking with MLflow: log each training run's settings, metrics, figures, model."""

from __future__ import annotations

import os
from pathlib import Path

from ..config import Config
from .outcome import Tracker, TrainingResult

# A SQLite file in the project: works offline, and MLflow 3 deprecates the ./mlruns file
# store. Set MLFLOW_TRACKING_URI (e.g. http://mlflow:5000) to log to a server instead.
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
SQLITE_PREFIX = "sqlite:///"
# Run artifacts (figures, model files) of a SQLite store go to this folder beside it.
ARTIFACTS_DIR = "mlartifacts"
EXPERIMENT_NAME = "{{ cookiecutter.project_slug }}"
ParamValue = str | int | float | bool | None


def tracking_uri() -> str:
    """Return ``MLFLOW_TRACKING_URI`` if set, else the project's SQLite store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def experiment_name() -> str:
    """Return ``MLFLOW_EXPERIMENT_NAME`` if set, else the project slug."""
    return os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT_NAME


def run_params(config: Config) -> dict[str, ParamValue]:
    """Return the estimator, its hyper-parameters, the split and the seed as flat params."""
    params: dict[str, ParamValue] = {
        "estimator": config.model.estimator,
        "threshold": config.model.threshold,
        "split.test_size": config.split.test_size,
        "seed": config.seed,
    }
    for name, value in config.model.estimator_params().items():
        params[f"model.{config.model.estimator}.{name}"] = value
    return params


def artifact_location(uri: str) -> str | None:
    """Return the artifacts folder beside a SQLite store (None: a server decides)."""
    if not uri.startswith(SQLITE_PREFIX):
        return None
    database = Path(uri.removeprefix(SQLITE_PREFIX))
    return (database.resolve().parent / ARTIFACTS_DIR).as_uri()


def _experiment_id(name: str, uri: str) -> str:
    import mlflow

    experiment = mlflow.get_experiment_by_name(name)
    if experiment is not None:
        return str(experiment.experiment_id)
    return str(mlflow.create_experiment(name, artifact_location=artifact_location(uri)))


class MlflowTracker:
    """Log training runs to the MLflow store named by ``MLFLOW_TRACKING_URI``."""

    def log_training_run(self, config: Config, result: TrainingResult) -> str | None:
        """Log one training run to MLflow and return its run id."""
        return log_training_run(config, result)


def make_tracker() -> Tracker | None:
    """Return the MLflow tracker this project was generated with."""
    return MlflowTracker()


def log_training_run(config: Config, result: TrainingResult) -> str | None:
    """Log one training run to MLflow and return its run id."""
    import mlflow

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    experiment_id = _experiment_id(experiment_name(), uri)
    metadata = result.metadata
    run_name = str(metadata.get("model_version", "training"))
    with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as run:
        mlflow.log_params(run_params(config))
        metrics = result.evaluation.metrics
        mlflow.log_metrics({name: float(value) for name, value in metrics.items()})
        mlflow.set_tags(
            {
                "model_version": run_name,
                "data_sha256": str(metadata.get("data", {}).get("sha256", "")),
            }
        )
        for figure in result.evaluation.figures:
            mlflow.log_artifact(str(figure), artifact_path="figures")
        for path in sorted(result.models_dir.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                mlflow.log_artifact(str(path), artifact_path="model")
        return str(run.info.run_id)
