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


def write_figures(
    target: pd.Series,
    probabilities: np.ndarray,
    threshold: float,
    importances: pd.Series,
    figures_dir: Path,
    calibration_bins: int = 10,
) -> list[Path]:
    """Draw the evaluation figures into ``figures_dir`` as PNG files and return their paths."""
    figures = {name: Figure(figsize=(6, 4.5), layout="constrained") for name in FIGURE_NAMES}
    axes = {name: figure.subplots() for name, figure in figures.items()}

    RocCurveDisplay.from_predictions(target, probabilities, ax=axes["roc_curve"], name="model")
    axes["roc_curve"].plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axes["roc_curve"].legend(loc="lower right")
    axes["roc_curve"].set_title("ROC curve (hold-out)")

    PrecisionRecallDisplay.from_predictions(
        target, probabilities, ax=axes["precision_recall_curve"], name="model"
    )
    axes["precision_recall_curve"].axhline(target.mean(), linestyle="--", color="grey")
    axes["precision_recall_curve"].set_title("Precision-recall curve (hold-out)")

    ConfusionMatrixDisplay.from_predictions(
        target,
        churn_labels(probabilities, threshold),
        display_labels=["No churn", "Churn"],
        ax=axes["confusion_matrix"],
        colorbar=False,
    )
    axes["confusion_matrix"].set_title(f"Confusion matrix at threshold {threshold:g}")

    CalibrationDisplay.from_predictions(
        target, probabilities, n_bins=calibration_bins, ax=axes["calibration_curve"], name="model"
    )
    axes["calibration_curve"].set_title("Calibration (hold-out)")

    ordered = importances.sort_values()
    axes["feature_importance"].barh(ordered.index, ordered.to_numpy(), color="tab:blue")
    axes["feature_importance"].set_xlabel("Mean drop in ROC AUC when shuffled")
    axes["feature_importance"].set_title("Permutation feature importance (hold-out)")
    figures["feature_importance"].set_size_inches(6, 6)

    return [_save(figure, figures_dir / f"{name}.png") for name, figure in figures.items()]
