"""Evaluation figures: ROC, precision-recall, confusion matrix, calibration, importance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.calibration import CalibrationDisplay
from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay, RocCurveDisplay

from ..files import atomic_path
from .predict import churn_labels

#: How the figures name the positive class (target 1) and the negative one.
CLASS_NAMES = ("No churn", "Churn")
FIGURE_NAMES = (
    "roc_curve",
    "precision_recall_curve",
    "confusion_matrix",
    "calibration_curve",
    "feature_importance",
)


def _save(figure: Figure, path: Path) -> Path:
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    return path


def draw_figures(
    target: pd.Series,
    probabilities: np.ndarray,
    threshold: float,
    importances: pd.DataFrame,
    calibration_bins: int = 10,
) -> dict[str, Figure]:
    """Draw the evaluation figures; ``importances`` has ``importance`` and ``importance_std``."""
    figures = {name: Figure(figsize=(6, 4.5), layout="constrained") for name in FIGURE_NAMES}
    axes = {name: figure.subplots() for name, figure in figures.items()}
    # Named classes, so the axes read "Positive label: Churn" rather than "1".
    labels = np.where(np.asarray(target) == 1, CLASS_NAMES[1], CLASS_NAMES[0])
    positive = CLASS_NAMES[1]

    # Each curve with its chance level in the legend (for precision-recall: the churn rate).
    curves = (
        ("roc_curve", RocCurveDisplay, "ROC curve (hold-out)"),
        ("precision_recall_curve", PrecisionRecallDisplay, "Precision-recall curve (hold-out)"),
    )
    for name, display, title in curves:
        display.from_predictions(
            labels,
            probabilities,
            pos_label=positive,
            ax=axes[name],
            name="model",
            plot_chance_level=True,
        )
        axes[name].legend(loc="best")
        axes[name].set_title(title)

    ConfusionMatrixDisplay.from_predictions(
        target,
        churn_labels(probabilities, threshold),
        display_labels=list(CLASS_NAMES),
        ax=axes["confusion_matrix"],
        colorbar=False,
    )
    axes["confusion_matrix"].set_title(f"Confusion matrix at threshold {threshold:g}")

    CalibrationDisplay.from_predictions(
        labels,
        probabilities,
        n_bins=calibration_bins,
        pos_label=positive,
        ax=axes["calibration_curve"],
        name="model",
    )
    axes["calibration_curve"].set_title("Calibration (hold-out)")

    # Error bars: the spread (one standard deviation) over the shuffling repeats.
    ordered = importances.sort_values("importance")
    axes["feature_importance"].barh(
        ordered.index,
        ordered["importance"].to_numpy(),
        xerr=ordered["importance_std"].to_numpy(),
        color="tab:blue",
        ecolor="black",
        capsize=2,
    )
    axes["feature_importance"].set_xlabel("Drop in ROC AUC when shuffled (mean ± 1 std)")
    axes["feature_importance"].set_title("Permutation feature importance (hold-out)")
    figures["feature_importance"].set_size_inches(6, 6)
    return figures


def write_figures(
    target: pd.Series,
    probabilities: np.ndarray,
    threshold: float,
    importances: pd.DataFrame,
    figures_dir: Path,
    calibration_bins: int = 10,
) -> list[Path]:
    """Draw the evaluation figures into ``figures_dir`` as PNG files and return their paths."""
    figures = draw_figures(target, probabilities, threshold, importances, calibration_bins)
    return [_save(figure, figures_dir / f"{name}.png") for name, figure in figures.items()]


def write_campaign_figures(
    curve: pd.DataFrame, rows: int, threshold: float, figures_dir: Path
) -> list[Path]:
    """Draw cumulative gains (with lift) and expected profit by threshold from ``profit_curve``."""
    gains, profit = Figure(figsize=(6, 4.5), layout="constrained"), Figure(figsize=(6, 4.5))
    axes = gains.subplots()
    called = np.r_[0.0, curve["contacted"].to_numpy() / rows]
    captured = np.r_[0.0, curve["churners"].to_numpy() / curve["churners"].iloc[-1]]
    axes.plot(called, captured, label="model")
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="random calls")
    axes.set(xlabel="Share of customers called", ylabel="Share of churners reached")
    lift = axes.twinx()
    lift.plot(called[1:], captured[1:] / called[1:], color="tab:orange", label="lift")
    lift.set_ylabel("Lift (right axis)")
    axes.legend(loc="lower right")
    axes.set_title("Cumulative gains and lift (hold-out)")
    axes = profit.subplots()
    axes.plot(curve["threshold"], curve["profit"])
    axes.axvline(threshold, linestyle="--", color="grey", label=f"threshold {threshold:.3f}")
    axes.set(xlabel="Threshold", ylabel="Expected profit", title="Profit by threshold (hold-out)")
    axes.legend(loc="best")
    return [
        _save(gains, figures_dir / "cumulative_gains.png"),
        _save(profit, figures_dir / "profit_by_threshold.png"),
    ]
