"""The training flow: read raw data, split, fit, evaluate, and publish a new model version."""

from __future__ import annotations

import platform
import subprocess
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..config import Config
from ..data.load import check_both_classes, split_xy
from ..files import check_writable_dir, sha256_file, write_text
from ..inference.explain import linear_terms
from ..inference.onnx_export import export_onnx
from ..models.campaign import best_threshold
from ..models.train import FOLDS, fit_pipeline, out_of_fold
from ..registry.artifacts import save_model
from ..registry.manifest import write_manifest
from ..registry.model_card import render_model_card
from ..registry.store import (
    HOLDOUT_FILE,
    MODEL_CARD_FILE,
    REPORTS_DIR,
    new_version_name,
    production_version,
    publish,
    set_production,
    staging,
)
from .outcome import Tracker, TrainingResult
from .preparation import HoldOut, read_split, split_raw, write_rows, write_split
from .reporting import copy_reports, evaluate_and_report

if TYPE_CHECKING:
    import pandas as pd

# TrainingResult is defined beside the Tracker interface; it stays importable from here.
__all__ = ["TrainingResult", "fit_and_save", "library_versions", "run_fit", "run_training"]

_LIBRARIES = (
    "scikit-learn",
    "pandas",
    "numpy",
    "skops",
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


def git_commit() -> str | None:
    """Return the commit checked out in the working directory, or None outside git."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None


def run_training(
    config: Config,
    data_path: Path | None = None,
    on_step: Callable[[str], None] = _noop,
    *,
    tracker: Tracker | None = None,
) -> TrainingResult:
    """Train on a raw Telco-format CSV and publish a new model version with its reports.

    The raw file is only read. Once the version is published, its hold-out split is
    written, rows unchanged, to ``data/processed/train.csv`` and ``test.csv``, and its
    reports are copied to ``reports/`` (``metrics.json`` last).
    """
    path = data_path or config.data.raw_path
    if tracker is not None:
        tracker.open()
    on_step(f"Reading {path} and splitting a stratified hold-out set")
    hold_out = split_raw(config, path, write=False)
    return fit_and_save(config, hold_out, on_step, tracker=tracker, split_to_write=True)


def run_fit(
    config: Config, on_step: Callable[[str], None] = _noop, *, tracker: Tracker | None = None
) -> TrainingResult:
    """Fit on the split that ``data split`` wrote and publish a version (no figures).

    The hold-out metrics go into the version's metadata only; ``evaluate`` writes reports.
    """
    if tracker is not None:
        tracker.open()
    on_step(f"Reading the split in {config.data.processed_dir}/")
    return fit_and_save(config, read_split(config), on_step, report=False, tracker=tracker)


def choose_threshold(config: Config, train: pd.DataFrame) -> tuple[float, str]:
    """Return the decision threshold and its source: the campaign's, or ``model.threshold``.

    The campaign's maximises expected profit on out-of-fold predictions of the training
    split, so the hold-out set stays unseen.
    """
    if not config.campaign.set_threshold:
        return config.model.threshold, "config"
    features, target = split_xy(train)
    scores = out_of_fold(config.model, features, target, config.seed)
    return best_threshold(target, scores, config.campaign), "campaign_out_of_fold"


def _metadata(
    config: Config, hold_out: HoldOut, name: str, created: time.struct_time
) -> dict[str, Any]:
    return {
        "schema_version": 4,
        "model_version": name,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", created),
        "estimator": config.model.estimator,
        "params": config.model.estimator_params(),
        "params_source": str(config.tuned_from or "settings"),
        "data": {
            "path": str(hold_out.source),
            "sha256": sha256_file(hold_out.source),
            "rows": hold_out.rows,
            "churn_rate": hold_out.churn_rate,
        },
        "split": {"test_size": config.split.test_size, "seed": config.seed},
        "git_commit": git_commit(),
        "package_version": __version__,
        "library_versions": library_versions(),
    }


def fit_and_save(
    config: Config,
    hold_out: HoldOut,
    on_step: Callable[[str], None] = _noop,
    *,
    report: bool = True,
    tracker: Tracker | None = None,
    split_to_write: bool = False,
) -> TrainingResult:
    """Fit, evaluate and export, then publish every file of the new version in one rename.

    The version is built in a staging folder beside ``versions/`` (checked writable before
    fitting starts) and removed if anything fails, so a run publishes all or nothing. The
    first version becomes production; later ones are candidates for ``promote``.
    ``tracker`` (chosen by the caller, None for none) records the run.
    """
    models_dir, reports = config.paths.models_dir, config.paths.reports_dir
    check_writable_dir(reports, "the reports folder")
    if split_to_write:
        check_writable_dir(config.data.processed_dir, "data.processed_dir")
    train, test = hold_out.train, hold_out.test
    if config.campaign.set_threshold:  # every fold needs both classes
        why = f" for {FOLDS}-fold scores (the campaign threshold; campaign.set_threshold)"
        check_both_classes(train, f"{hold_out.source}, training rows", FOLDS, why)
    with staging(models_dir) as build:
        on_step(f"Fitting {config.model.estimator} on {len(train)} rows")
        pipeline = fit_pipeline(config.model, *split_xy(train), seed=config.seed)

        on_step("Choosing the decision threshold")
        threshold, source = choose_threshold(config, train)
        on_step(f"Evaluating on {len(test)} hold-out rows at threshold {threshold:.4f} ({source})")
        evaluation = evaluate_and_report(
            pipeline,
            test,
            len(train),
            threshold,
            config,
            build / REPORTS_DIR,
            write=report,
            source=source,
        )

        on_step(f"Exporting the model to ONNX and checking it on {len(test)} hold-out rows")
        onnx_export = export_onnx(pipeline, split_xy(test)[0], build)

        created = time.gmtime()
        data_sha = sha256_file(hold_out.source)
        stem = f"{time.strftime('%Y%m%dT%H%M%SZ', created)}-{data_sha[:8]}"
        name = new_version_name(models_dir, stem)
        on_step(f"Publishing model version {name} in {models_dir}/")
        metadata = {
            **_metadata(config, hold_out, name, created),
            "threshold": threshold,
            "threshold_source": source,
            "metrics": evaluation.metrics,
            "onnx": onnx_export,
            "explain": linear_terms(pipeline),
        }
        saved = save_model(pipeline, metadata, build)
        write_text(build / MODEL_CARD_FILE, render_model_card(saved))
        write_rows(hold_out.raw_test, build / HOLDOUT_FILE)
        write_manifest(build, name)
        version_dir = publish(models_dir, build, name)
    first = production_version(models_dir) is None
    if first:
        set_production(models_dir, name, "first", "the first version becomes production")
    if split_to_write:
        write_split(config, hold_out)
    if report:
        evaluation = copy_reports(version_dir / REPORTS_DIR, reports, evaluation)
    result = TrainingResult(saved, evaluation, models_dir, version_dir, production=first)
    if tracker is not None:
        tracker.log_training_run(config, result)
        if first:
            tracker.promoted(name)
    return result
