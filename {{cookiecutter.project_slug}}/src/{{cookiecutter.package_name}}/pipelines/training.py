"""The training flow: read raw data, split, fit, evaluate on the hold-out set, save."""

from __future__ import annotations

import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.model_selection import train_test_split

from .. import __version__
from ..config import Config
from ..data.load import check_both_classes, parse_raw, read_raw, split_xy
from ..data.schema import TARGET_COLUMN
from ..errors import DataError
from ..files import atomic_path, sha256_file, write_text
from ..models.artifacts import save_model
from ..models.model_card import render_model_card
from ..models.train import fit_pipeline
from .reporting import Evaluation, evaluate_and_report

MODEL_CARD_FILE = "model_card.md"
_LIBRARIES = ("scikit-learn", "pandas", "numpy", "joblib", "pandera")


@dataclass(frozen=True)
class TrainingResult:
    """What a training run produced."""

    metadata: dict[str, Any]
    evaluation: Evaluation
    models_dir: Path


def _noop(_: str) -> None:
    """Ignore a progress message."""


def _write_split(raw: pd.DataFrame, path: Path) -> None:
    with atomic_path(path) as tmp:
        raw.to_csv(tmp, index=False)


def library_versions() -> dict[str, str]:
    """Return the versions of Python and the libraries a saved model depends on."""
    return {"python": platform.python_version(), **{name: version(name) for name in _LIBRARIES}}


def run_training(
    config: Config, data_path: Path | None = None, on_step: Callable[[str], None] = _noop
) -> TrainingResult:
    """Train on a raw Telco-format CSV and write the model, metadata, metrics and figures.

    The raw file is only read. Its hold-out split is written, rows unchanged, to
    ``data/processed/train.csv`` and ``test.csv`` so that ``evaluate`` can reuse it.
    """
    path = data_path or config.data.raw_path
    on_step(f"Reading {path}")
    raw = read_raw(path)
    frame = parse_raw(raw, source=str(path))
    check_both_classes(frame, str(path))

    on_step("Splitting a stratified hold-out set")
    try:
        train_index, test_index = train_test_split(
            frame.index,
            test_size=config.split.test_size,
            stratify=frame[TARGET_COLUMN],
            random_state=config.seed,
        )
    except ValueError as exc:  # too few rows for a stratified split of this size
        raise DataError(
            f"{path}: cannot make a stratified {config.split.test_size:.0%} hold-out set "
            f"from {len(frame)} rows ({exc})"
        ) from None
    _write_split(raw.loc[train_index], config.data.processed_dir / "train.csv")
    _write_split(raw.loc[test_index], config.data.processed_dir / "test.csv")
    train, test = frame.loc[train_index], frame.loc[test_index]

    on_step(f"Fitting {config.model.estimator} on {len(train)} rows")
    pipeline = fit_pipeline(config.model, *split_xy(train), seed=config.seed)

    on_step(f"Evaluating on {len(test)} hold-out rows")
    evaluation = evaluate_and_report(pipeline, test, len(train), config.model.threshold, config)

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
            "rows": len(frame),
            "churn_rate": round(float(frame[TARGET_COLUMN].mean()), 6),
        },
        "split": {"test_size": config.split.test_size, "seed": config.seed},
        "package_version": __version__,
        "library_versions": library_versions(),
    }
    saved = save_model(pipeline, metadata, config.paths.models_dir)
    write_text(config.paths.models_dir / MODEL_CARD_FILE, render_model_card(saved))
    return TrainingResult(metadata=saved, evaluation=evaluation, models_dir=config.paths.models_dir)
