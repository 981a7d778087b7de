"""Score parsed customers with a fitted pipeline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..data.schema import FEATURE_COLUMNS

if TYPE_CHECKING:  # batch scoring imports churn_labels, and needs no scikit-learn (2 s)
    import pandas as pd
    from sklearn.pipeline import Pipeline


def predict_proba(model: Pipeline, features: pd.DataFrame) -> np.ndarray:
    """Return the churn probability of each row of parsed raw features."""
    return np.asarray(model.predict_proba(features.loc[:, list(FEATURE_COLUMNS)])[:, 1])


def churn_labels(probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """Return True where the probability reaches the decision threshold."""
    return np.asarray(probabilities >= threshold)
