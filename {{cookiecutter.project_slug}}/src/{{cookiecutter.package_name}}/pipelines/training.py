"""The training flow: read raw data, split, fit, evaluate on the hold-out set, save."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from .. import __version__
from ..config import Config
from ..data.load import split_xy
from ..files import sha256_file, write_text
from ..models.artifacts import save_model
from ..models.model_card import render_model_card
from ..models.onnx_export import export_onnx
from ..models.train import fit_pipeline
from .outcome import Tracker, TrainingResult
from .preparation import HoldOut, read_split, split_raw
from .reporting import evaluate_and_report, hold_out_evaluation

# TrainingResult is defined beside the Tracker interface; it stays importable from here.
__all__ = ["TrainingResult", "fit_and_save", "library_versions", "run_fit", "run_training"]

MODEL_CARD_FILE = "model_card.md"
_LIBRARIES = (
    "scikit-learn",
    "pandas",
    "numpy",
    "joblib",
    "pandera",
    "skl2onnx",
    "onnx",
    "onnxruntime",
)


def _noop(_: str) -> None:
    """Ignore a progress message."""


def library_versions() -> dict[str, str]:
    """Return the versions of Python and the libraries a saved model depends on."""
    return {"python": platform.python_version(), **{name: version(name) for name in _LIBRARIES}}


def run_training(
    config: Config,
    data_path: Path | None = None,
    on_step: Callable[[str], None] = _noop,
    *,
    tracker: Tracker | None = None,
) -> TrainingResult:
    """Train on a raw Telco-format CSV and write the model, metadata, metrics and figures.

    The raw file is only read. Its hold-out split is written, rows unchanged, to
    ``data/processed/train.csv`` and ``test.csv`` so that ``evaluate`` can reuse it. The
    model is saved as ``model.onnx`` (when it converts and matches scikit-learn on the
    hold-out set) and ``model.joblib``, then ``metadata.json`` with both checksums.
    """
    path = data_path or config.data.raw_path
    on_step(f"Reading {path} and splitting a stratified hold-out set")
    hold_out = split_raw(config, path)
    return fit_and_save(config, hold_out, on_step, tracker=tracker)


def run_fit(
    config: Config, on_step: Callable[[str], None] = _noop, *, tracker: Tracker | None = None
) -> TrainingResult:
    """Fit on the split that ``data split`` wrote and save the model (no figures).

    The hold-out metrics go into ``metadata.json`` only; ``evaluate`` writes the reports.
    """
    on_step(f"Reading the split in {config.data.processed_dir}/")
    return fit_and_save(config, read_split(config), on_step, report=False, tracker=tracker)


def fit_and_save(
    config: Config,
    hold_out: HoldOut,
    on_step: Callable[[str], None] = _noop,
    *,
    report: bool = True,
    tracker: Tracker | None = None,
) -> TrainingResult:
    """Fit on the training rows, evaluate on the hold-out rows, export and save the model.

    ``tracker`` (the experiment tracker chosen by the caller, None for none) records the run.
    """
    path, train, test = hold_out.source, hold_out.train, hold_out.test
    on_step(f"Fitting {config.model.estimator} on {len(train)} rows")
    pipeline = fit_pipeline(config.model, *split_xy(train), seed=config.seed)

    on_step(f"Evaluating on {len(test)} hold-out rows")
    score = evaluate_and_report if report else hold_out_evaluation
    evaluation = score(pipeline, test, len(train), config.model.threshold, config)

    on_step(f"Exporting the model to ONNX and checking it on {len(test)} hold-out rows")
    onnx_export = export_onnx(pipeline, split_xy(test)[0], config.paths.models_dir)

    on_step(f"Saving the model to {config.paths.models_dir}/")
    data_sha = sha256_file(path)
    created = time.gmtime()
    metadata = {
        "model_version": f"{time.strftime('%Y%m%dT%H%M%SZ', created)}-{data_sha[:8]}",
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", created),
        "estimator": config.model.estimator,
        "params": config.model.estimator_params(),
        "threshold": config.model.threshold,
        "metrics": evaluation.metrics,
        "data": {
            "path": str(path),
            "sha256": data_sha,
            "rows": hold_out.rows,
            "churn_rate": hold_out.churn_rate,
        },
        "split": {"test_size": config.split.test_size, "seed": config.seed},
        "package_version": __version__,
        "library_versions": library_versions(),
        "onnx": onnx_export,
    }
    saved = save_model(pipeline, metadata, config.paths.models_dir)
    write_text(config.paths.models_dir / MODEL_CARD_FILE, render_model_card(saved))
    result = TrainingResult(
        metadata=saved, evaluation=evaluation, models_dir=config.paths.models_dir
    )
    if tracker is not None:
        tracker.log_training_run(config, result)
    return result
