"""Experiment tracking with MLflow: log each training run's settings, metrics, figures, model."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import ChurnError, ConfigError, OutputError
from .outcome import Tracker, TrainingResult

if TYPE_CHECKING:
    from mlflow import MlflowClient

    from ..models.tuning import TrialReport

logger = logging.getLogger(__name__)

# A SQLite file in the project: works offline, and MLflow 3 deprecates the ./mlruns file
# store. Set MLFLOW_TRACKING_URI (e.g. http://mlflow:5000) to log to a server instead.
DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
SQLITE_PREFIX = "sqlite:///"
# Run artifacts (figures, model files) of a SQLite store go to this folder beside it.
ARTIFACTS_DIR = "mlartifacts"
EXPERIMENT_NAME = "{{ cookiecutter.project_slug }}"
#: The Model Registry entry of this project, and the alias that names production there.
REGISTERED_MODEL = "{{ cookiecutter.project_slug }}"
CHAMPION_ALIAS = "champion"
MODEL_VERSION_TAG = "model_version"
#: A ``tune`` run's tag naming its Optuna study, and the metric each of its trials logs.
STUDY_TAG = "optuna_study"
CV_METRIC = "cv_roc_auc"
ParamValue = str | int | float | bool | None


def tracking_uri() -> str:
    """Return ``MLFLOW_TRACKING_URI`` if set, else the project's SQLite store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI


def experiment_name() -> str:
    """Return ``MLFLOW_EXPERIMENT_NAME`` if set, else the project slug."""
    return os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT_NAME


def run_params(config: Config, metadata: Mapping[str, Any]) -> dict[str, ParamValue]:
    """Return a run's settings as flat params, with the threshold the version scores with.

    That threshold is the campaign's or ``model.threshold``: ``threshold_source`` says which.
    """
    params: dict[str, ParamValue] = {
        "estimator": config.model.estimator,
        "params_source": metadata["params_source"],
        "threshold": metadata["threshold"],
        "threshold_source": metadata["threshold_source"],
        "model.log_numbers": config.model.log_numbers,
        "split.test_size": config.split.test_size,
        "seed": config.seed,
    }
    for name, value in config.model.estimator_params().items():
        params[f"model.{config.model.estimator}.{name}"] = value
    for name, value in config.campaign.model_dump().items():
        params[f"campaign.{name}"] = value
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
    if experiment is not None and experiment.lifecycle_stage == "deleted":
        raise ConfigError(
            f"the MLflow experiment {name!r} is deleted: restore it, or name another one "
            "with MLFLOW_EXPERIMENT_NAME"
        )
    if experiment is not None:
        return str(experiment.experiment_id)
    return str(mlflow.create_experiment(name, artifact_location=artifact_location(uri)))


class MlflowTracker:
    """Log runs to the MLflow store named by ``MLFLOW_TRACKING_URI``; mirror production there.

    Each version is registered in the Model Registry under the project's name, and the
    ``champion`` alias follows the production version (promote, rollback, first version).
    MLflow is a store outside the project: any failure of it is one line that says what is
    done already (``_failure``), never a traceback after a version was published.
    """

    def open(self) -> None:
        """Open the store and its experiment, before the flow does any work.

        A store MLflow cannot use stops the command there, in one line (a server that does
        not answer: after MLflow's own retries, ``MLFLOW_HTTP_REQUEST_MAX_RETRIES``).
        ``rollback`` does not call it: an incident's command imports no MLflow until the
        pointer has moved.
        """
        import mlflow

        uri = tracking_uri()
        try:
            mlflow.set_tracking_uri(uri)
            _experiment_id(experiment_name(), uri)
        except ChurnError:
            raise
        except Exception as exc:
            raise ConfigError(
                f"MLflow cannot use the tracking store {uri} ({_failure(exc)}); set "
                f"MLFLOW_TRACKING_URI to one it can, or unset it for {DEFAULT_TRACKING_URI}"
            ) from None

    def log_training_run(self, config: Config, result: TrainingResult) -> str | None:
        """Log one training run, register its version, and return the run id."""
        try:
            return log_training_run(config, result)
        except Exception as exc:
            version = result.metadata["model_version"]
            raise OutputError(
                f"model {version} is published, but MLflow did not log its run ({_failure(exc)})"
            ) from None

    def promoted(self, version: str) -> None:
        """Move the registry's ``champion`` alias to ``version``."""
        try:
            set_champion(version)
        except Exception as exc:
            raise OutputError(
                f"production is {version}, but MLflow's {CHAMPION_ALIAS} alias did not move "
                f"({_failure(exc)})"
            ) from None

    @contextmanager
    def tuning(self, study: str) -> Iterator[Callable[[TrialReport], None]]:
        """Open a parent run for one ``tune``; yield the function that logs a trial in it."""
        import mlflow

        uri = tracking_uri()
        mlflow.set_tracking_uri(uri)
        experiment_id = _experiment_id(experiment_name(), uri)

        def log_trial(trial: TrialReport) -> None:
            name = f"trial {trial.number}"
            with mlflow.start_run(experiment_id=experiment_id, run_name=name, nested=True):
                mlflow.log_params(trial.params)
                mlflow.log_metric(CV_METRIC, trial.score)
            mlflow.log_metric(f"best_{CV_METRIC}", trial.best_score, step=trial.number)

        with mlflow.start_run(experiment_id=experiment_id, run_name=f"tune {study}"):
            mlflow.set_tag(STUDY_TAG, study)
            yield log_trial


def _failure(exc: Exception) -> str:
    """Return an MLflow failure in one line: its type and its message's first line."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0][:300] if lines else ''}".rstrip(": ")


def make_tracker() -> Tracker | None:
    """Return the MLflow tracker this project was generated with."""
    return MlflowTracker()


def _client() -> MlflowClient:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri())


def register_version(run_id: str, version: str) -> str:
    """Register the run's ``model`` artifacts as a new registry version; return its number."""
    from mlflow.exceptions import MlflowException

    client = _client()
    try:
        client.get_registered_model(REGISTERED_MODEL)
    except MlflowException:
        client.create_registered_model(
            REGISTERED_MODEL, description="Churn model versions; the champion alias is production."
        )
    source = f"{client.get_run(run_id).info.artifact_uri}/model"
    registered = client.create_model_version(
        REGISTERED_MODEL, source, run_id=run_id, tags={MODEL_VERSION_TAG: version}
    )
    return str(registered.version)


def registry_number(version: str) -> str | None:
    """Return the registry's number for one of our model versions (None: not registered)."""
    client = _client()
    for registered in client.search_model_versions(f"name='{REGISTERED_MODEL}'"):
        if registered.tags.get(MODEL_VERSION_TAG) == version:
            return str(registered.version)
    return None


def set_champion(version: str) -> None:
    """Point the ``champion`` alias at ``version``; warn if it was never registered."""
    number = registry_number(version)
    if number is None:
        logger.warning("model %s is not in the MLflow registry; champion alias unchanged", version)
        return
    _client().set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, number)


def log_training_run(config: Config, result: TrainingResult) -> str | None:
    """Log one training run to MLflow, register its version, and return the run id."""
    import mlflow

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    experiment_id = _experiment_id(experiment_name(), uri)
    metadata = result.metadata
    version = str(metadata["model_version"])
    with mlflow.start_run(experiment_id=experiment_id, run_name=version) as run:
        mlflow.log_params(run_params(config, metadata))
        metrics = result.evaluation.metrics
        mlflow.log_metrics({name: float(value) for name, value in metrics.items()})
        mlflow.set_tags({MODEL_VERSION_TAG: version, "data_sha256": metadata["data"]["sha256"]})
        for figure in result.evaluation.figures:
            mlflow.log_artifact(str(figure), artifact_path="figures")
        mlflow.log_artifacts(str(result.version_dir), artifact_path="model")
        run_id = str(run.info.run_id)
    register_version(run_id, version)
    return run_id
