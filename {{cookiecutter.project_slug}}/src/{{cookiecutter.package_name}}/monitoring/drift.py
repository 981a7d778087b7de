"""Measure how far current customers (and their predictions) drifted from a reference set."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance

from ..data.schema import CATEGORICAL_FEATURES, NUMERIC_FEATURES
from .settings import DriftConfig

logger = logging.getLogger(__name__)
Kind = Literal["numeric", "categorical", "prediction"]
#: Distances used, named as Evidently names its drift methods.
NUMERIC_METHOD = "wasserstein_distance_norm"
CATEGORICAL_METHOD = "jensenshannon"


@dataclass(frozen=True)
class FeatureDrift:
    """One column's drift score against its threshold, with a short profile of both sets."""

    kind: Kind
    method: str
    score: float
    threshold: float
    drift: bool
    reference: dict[str, float]
    current: dict[str, float]


def wasserstein_norm(reference: np.ndarray, current: np.ndarray) -> float:
    """Return the Wasserstein distance in units of the reference's standard deviation."""
    scale = float(np.std(reference))
    distance = float(wasserstein_distance(reference, current))
    return distance / scale if scale > 0.0 else distance  # a constant reference: raw units


def level_shares(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Return the share of each level (in ``levels`` order) among the values."""
    counts = values.astype(str).value_counts()
    return np.array([counts.get(level, 0) for level in levels], dtype=np.float64) / len(values)


def numeric_drift(
    reference: pd.Series, current: pd.Series, threshold: float, kind: Kind = "numeric"
) -> FeatureDrift:
    """Compare two numeric columns (blanks dropped) by normalised Wasserstein distance."""
    ref = reference.dropna().to_numpy(dtype=np.float64)
    cur = current.dropna().to_numpy(dtype=np.float64)
    score = wasserstein_norm(ref, cur)
    return FeatureDrift(
        kind=kind,
        method=NUMERIC_METHOD,
        score=round(score, 6),
        threshold=threshold,
        drift=score >= threshold,
        reference=_profile(ref),
        current=_profile(cur),
    )


def _profile(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return {}
    return {"mean": round(float(values.mean()), 6), "p50": round(float(np.median(values)), 6)}


def categorical_drift(reference: pd.Series, current: pd.Series, threshold: float) -> FeatureDrift:
    """Compare two categorical columns by the Jensen-Shannon distance of their level shares."""
    levels = sorted(set(reference.astype(str)) | set(current.astype(str)))
    ref, cur = level_shares(reference, levels), level_shares(current, levels)
    score = float(jensenshannon(ref, cur, base=2))
    return FeatureDrift(
        kind="categorical",
        method=CATEGORICAL_METHOD,
        score=round(score, 6),
        threshold=threshold,
        drift=score >= threshold,
        reference={level: round(float(share), 6) for level, share in zip(levels, ref, strict=True)},
        current={level: round(float(share), 6) for level, share in zip(levels, cur, strict=True)},
    )


def feature_drift(
    reference: pd.DataFrame, current: pd.DataFrame, settings: DriftConfig
) -> dict[str, FeatureDrift]:
    """Return the drift of every model feature, numeric and categorical, in schema order.

    A numeric column blank in every row of either set (TotalCharges of new customers only)
    has no distribution to compare: it is left out, with a warning.
    """
    found: dict[str, FeatureDrift] = {}
    for column in reference.columns:
        if column in NUMERIC_FEATURES:
            if reference[column].isna().all() or current[column].isna().all():
                logger.warning("%s is blank in every row of one set: not compared", column)
                continue
            found[column] = numeric_drift(
                reference[column], current[column], settings.numeric_threshold
            )
        elif column in CATEGORICAL_FEATURES:
            found[column] = categorical_drift(
                reference[column], current[column], settings.categorical_threshold
            )
    return found


def prediction_drift(
    reference: np.ndarray, current: np.ndarray, threshold: float, decision: float
) -> dict[str, Any]:
    """Compare two sets of churn probabilities, and the share predicted to churn in each."""
    result = asdict(
        numeric_drift(pd.Series(reference), pd.Series(current), threshold, kind="prediction")
    )
    result["reference"]["churn_share"] = round(float((reference >= decision).mean()), 6)
    result["current"]["churn_share"] = round(float((current >= decision).mean()), 6)
    return result
