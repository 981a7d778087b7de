"""Write the evaluation outputs shared by training and evaluation: metrics, figures, importance."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline

from ..config import Config
from ..data.load import split_xy
from ..files import atomic_path, write_json, write_text
from ..models.campaign import campaign_metrics, profit_curve
from ..models.evaluate import bootstrap_intervals, compute_metrics, feature_importance
from ..models.plot_data import write_plot_data
from ..models.plots import write_campaign_figures, write_figures
from ..models.predict import predict_proba

METRICS_FILE = "metrics.json"
IMPORTANCE_FILE = "feature_importance.csv"


@dataclass(frozen=True)
class Evaluation:
    """Hold-out metrics and the files written for them."""

    metrics: dict[str, float | int]
    figures: list[Path]
    metrics_path: Path


def evaluate_and_report(
    pipeline: Pipeline,
    test: pd.DataFrame,
    n_train: int,
    threshold: float,
    config: Config,
    reports: Path,
    *,
    write: bool = True,
    source: str = "config",
) -> Evaluation:
    """Score the parsed hold-out frame, then write metrics, importance, figures and plot data.

    Everything goes under ``reports`` (a version's own folder, or ``paths.reports_dir``);
    ``evaluation.figures: false`` skips the PNG figures, the slowest part, and
    ``write=False`` only scores (nothing is written). ``source`` says where the threshold
    came from; ``metrics.json`` records it beside the numbers.
    """
    features, target = split_xy(test)
    probabilities = predict_proba(pipeline, features)
    metrics = {
        **compute_metrics(target, probabilities, threshold),
        **campaign_metrics(target, probabilities, threshold, config.campaign),
        "threshold": threshold,
        "n_train": n_train,
        "n_test": len(target),
    }
    if not write:
        return Evaluation(metrics=metrics, figures=[], metrics_path=reports / METRICS_FILE)
    importances = feature_importance(
        pipeline, features, target, config.evaluation.permutation_repeats, config.seed
    )
    write_text(reports / IMPORTANCE_FILE, importances.rename_axis("feature").to_csv())
    curve = profit_curve(target, probabilities, config.campaign)
    write_text(reports / "plots" / "campaign.csv", curve.to_csv(index=False, float_format="%.6g"))
    figures = (
        write_figures(
            target,
            probabilities,
            threshold,
            importances,
            reports / "figures",
            calibration_bins=config.evaluation.calibration_bins,
        )
        + write_campaign_figures(curve, len(target), threshold, reports / "figures")
        if config.evaluation.figures
        else []
    )
    write_plot_data(
        target,
        probabilities,
        threshold,
        reports / "plots",
        calibration_bins=config.evaluation.calibration_bins,
    )
    resamples, seed = config.promotion.resamples, config.seed
    intervals = bootstrap_intervals(target, [(probabilities, threshold)], resamples, seed)
    extra = {"roc_auc_ci": list(intervals["roc_auc"]), "threshold_source": source}
    write_json(reports / METRICS_FILE, {**metrics, **extra})
    return Evaluation(metrics=metrics, figures=figures, metrics_path=reports / METRICS_FILE)


def copy_reports(source: Path, reports: Path, evaluation: Evaluation) -> Evaluation:
    """Copy a version's reports into ``reports`` file by file, atomically, metrics last.

    ``evaluation`` was written to a folder since renamed to ``source``; the evaluation
    returned names its files in ``reports``.
    """
    files = sorted(path for path in source.rglob("*") if path.is_file())
    files.sort(key=lambda path: path.name == METRICS_FILE)
    for path in files:
        with atomic_path(reports / path.relative_to(source)) as tmp:
            shutil.copyfile(path, tmp)
    written = evaluation.metrics_path.parent
    figures = [reports / figure.relative_to(written) for figure in evaluation.figures]
    return Evaluation(
        metrics=evaluation.metrics, figures=figures, metrics_path=reports / METRICS_FILE
    )
