"""The evaluation flow: score a model version on its hold-out set (or a labelled CSV)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..data.load import load_labelled
from ..registry.artifacts import load_model
from ..registry.store import HOLDOUT_FILE, newest_version, version_dir
from .reporting import Evaluation, evaluate_and_report


def run_evaluation(
    config: Config, data_path: Path | None = None, version: str | None = None
) -> tuple[str, Evaluation]:
    """Evaluate a version (default: the newest) and rewrite the metrics and figures in reports/.

    The data is the version's own hold-out set unless ``data_path`` names a labelled CSV.
    """
    name = version or newest_version(config.paths.models_dir)
    directory = version_dir(config.paths.models_dir, name)
    loaded = load_model(directory)
    path = data_path or directory / HOLDOUT_FILE
    test = load_labelled(path)
    n_train = int(loaded.metadata["metrics"]["n_train"])
    reports = config.paths.reports_dir
    source = str(loaded.metadata.get("threshold_source", "config"))
    evaluation = evaluate_and_report(
        loaded.pipeline, test, n_train, loaded.threshold, config, reports, source=source
    )
    return name, evaluation
