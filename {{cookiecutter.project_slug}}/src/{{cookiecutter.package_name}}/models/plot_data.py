"""The data behind the evaluation figures, as CSV files that DVC (or any tool) can plot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

from ..files import write_text
from .predict import churn_labels

LABELS = ("No churn", "Churn")


def plot_frames(
    target: pd.Series, probabilities: np.ndarray, threshold: float, calibration_bins: int = 10
) -> dict[str, pd.DataFrame]:
    """Return ROC and PR points, calibration bins and confusion rows, keyed by file name."""
    fpr, tpr, _ = roc_curve(target, probabilities)
    precision, recall, _ = precision_recall_curve(target, probabilities)
    observed, predicted = calibration_curve(target, probabilities, n_bins=calibration_bins)
    matrix = confusion_matrix(target, churn_labels(probabilities, threshold), labels=[0, 1])
    confusion = [
        {"actual": LABELS[actual], "predicted": LABELS[guess]}
        for actual in (0, 1)
        for guess in (0, 1)
        for _ in range(int(matrix[actual, guess]))
    ]
    return {
        "roc.csv": pd.DataFrame({"fpr": fpr, "tpr": tpr}),
        "precision_recall.csv": pd.DataFrame({"recall": recall, "precision": precision}),
        "calibration.csv": pd.DataFrame(
            {"mean_predicted": predicted, "fraction_positive": observed}
        ),
        "confusion.csv": pd.DataFrame(confusion, columns=["actual", "predicted"]),
    }


def write_plot_data(
    target: pd.Series,
    probabilities: np.ndarray,
    threshold: float,
    plots_dir: Path,
    calibration_bins: int = 10,
) -> list[Path]:
    """Write the figures' underlying data as CSV files into ``plots_dir``; return the paths."""
    frames = plot_frames(target, probabilities, threshold, calibration_bins)
    paths = []
    for name, frame in frames.items():
        path = plots_dir / name
        write_text(path, frame.to_csv(index=False, float_format="%.6g"))
        paths.append(path)
    return paths
