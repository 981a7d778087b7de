"""The evaluation flow: score the saved model on the hold-out set (or a labelled CSV)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..data.load import check_both_classes, load_raw
from ..errors import DataError
from ..models.artifacts import load_model
from .reporting import Evaluation, evaluate_and_report


def run_evaluation(config: Config, data_path: Path | None = None) -> Evaluation:
    """Evaluate the saved model and rewrite the metrics and figures under ``reports/``."""
    loaded = load_model(config.paths.models_dir)
    path = data_path or config.data.processed_dir / "test.csv"
    if data_path is None and not path.is_file():
        raise DataError(f"no hold-out set at {path}; run train first or pass --data")
    test = load_raw(path)
    check_both_classes(test, str(path), minimum=1)
    n_train = int(loaded.metadata.get("metrics", {}).get("n_train", 0))
    return evaluate_and_report(loaded.pipeline, test, n_train, loaded.threshold, config)
