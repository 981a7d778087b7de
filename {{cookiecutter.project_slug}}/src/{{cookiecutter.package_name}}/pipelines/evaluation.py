"""The evaluation flow: score a model version on its hold-out set (or a labelled CSV)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..data.load import check_both_classes, load_raw
from ..errors import ModelError
from ..registry.artifacts import load_model
from ..registry.store import HOLDOUT_FILE, list_versions, version_dir
from .reporting import Evaluation, evaluate_and_report


def newest_version(config: Config) -> str:
    """Return the newest published version; raise ``ModelError`` if there is none."""
    versions = list_versions(config.paths.models_dir)
    if not versions:
        raise ModelError(f"no trained model in {config.paths.models_dir}/; run train first")
    return versions[-1]


def run_evaluation(
    config: Config, data_path: Path | None = None, version: str | None = None
) -> tuple[str, Evaluation]:
    """Evaluate a version (default: the newest) and rewrite the metrics and figures in reports/.

    The data is the version's own hold-out set unless ``data_path`` names a labelled CSV.
    """
    name = version or newest_version(config)
    directory = version_dir(config.paths.models_dir, name)
    loaded = load_model(directory)
    path = data_path or directory / HOLDOUT_FILE
    test = load_raw(path)
    check_both_classes(test, str(path), minimum=1)
    n_train = int(loaded.metadata["metrics"]["n_train"])
    reports = config.paths.reports_dir
    evaluation = evaluate_and_report(
        loaded.pipeline, test, n_train, loaded.threshold, config, reports
    )
    return name, evaluation
