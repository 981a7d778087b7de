"""Score a logistic regression with its own ONNX graph's weights, without a runtime call.

ONNX Runtime costs about 50 µs a call however small the graph: for a linear model that is
most of a one-customer request. The exported logistic regression computes
``sigmoid(b + w · scale(impute(x)))``, so its logit is affine in every column of the
encoded matrix, except that a blank number takes the imputed value. Scoring one probe
matrix through the session (all zeros, then each column at 1, then each number blank)
therefore reads back every weight, from the graph that was checked against scikit-learn
at training. The scorer is used only after it agrees with the session on probe customers.
"""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np

from ..data.columns import Columns
from .encoding import Encoder, LevelLookup, number, numeric_array

logger = logging.getLogger(__name__)

#: The estimators (``model.estimator`` in the config) whose exported logit is affine.
LINEAR_ESTIMATORS: Final = frozenset({"logistic_regression"})
#: Largest |scorer - ONNX Runtime| probability accepted on the probe customers.
AGREEMENT: Final = 1e-9
#: Probe customers scored both ways before the scorer is trusted.
PROBE_ROWS: Final = 64
#: Numbers the probe customers take, cycled per column (NaN: blank, imputed by the graph).
_PROBE_NUMBERS: Final = (0.0, 1.0, 2.5, 12.0, 29.85, 72.0, 118.75, 8684.8, math.nan)

Run = Callable[[np.ndarray], np.ndarray]


def _sigmoid(logit: float) -> float:
    """Return 1 / (1 + e^-logit) without overflow for any finite logit."""
    if logit >= 0:
        return 1.0 / (1.0 + math.exp(-logit))
    exp = math.exp(logit)
    return exp / (1.0 + exp)


def _sigmoid_array(logits: np.ndarray) -> np.ndarray:
    """Return the sigmoid of each logit without overflow."""
    exp = np.exp(-np.abs(logits))
    result: np.ndarray = np.where(logits >= 0, 1.0, exp) / (1.0 + exp)
    return result


@dataclass(frozen=True)
class LinearScorer:
    """A churn probability as the sigmoid of a sum of per-column weights.

    ``numbers`` holds, per numeric feature, its logit change per unit and the change when
    it is blank; ``levels`` holds each level's logit change (an unknown level adds nothing,
    as its one-hot columns are all zeros).
    """

    intercept: float
    numbers: tuple[tuple[str, float, float], ...]
    levels: dict[str, dict[str, float]]
    _lookups: dict[str, LevelLookup] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Turn each column's level weights into a batch lookup."""
        lookups = {c: LevelLookup.of(w, 0.0, "<f8") for c, w in self.levels.items()}
        object.__setattr__(self, "_lookups", lookups)

    @classmethod
    def read_back(cls, run: Run, encoder: Encoder) -> LinearScorer:
        """Read the weights of ``run`` (encoded matrix -> P(churn)) from one probe matrix."""
        width, count = encoder.width, len(encoder.numeric)
        probe = np.zeros((1 + width + count, width), dtype=np.float64)
        probe[1 : 1 + width] = np.eye(width)
        probe[1 + width + np.arange(count), np.arange(count)] = np.nan
        with np.errstate(divide="ignore"):
            probability = run(probe)
            logit = np.log(probability) - np.log1p(-probability)
        change = logit[1:] - logit[0]
        numbers = tuple(
            (column, float(change[index]), float(change[width + index]))
            for index, column in enumerate(encoder.numeric)
        )
        levels = {
            column: {sys.intern(level): float(change[at]) for level, at in offsets.items()}
            for column, offsets in encoder.offsets.items()
        }
        return cls(float(logit[0]), numbers, levels)

    def score_row(self, row: Mapping[str, Any]) -> float:
        """Return the churn probability of one customer (feature name -> value)."""
        logit = self.intercept
        for column, slope, blank in self.numbers:
            value = number(row[column])
            logit += blank if value != value else slope * value
        for column, weights in self.levels.items():
            logit += weights.get(row[column], 0.0)
        return _sigmoid(logit)

    def score_columns(self, columns: Columns) -> np.ndarray:
        """Return the churn probability of each customer given one sequence per feature."""
        logits = np.full(len(columns[self.numbers[0][0]]), self.intercept)
        for column, slope, blank in self.numbers:
            values = numeric_array(columns[column]).ravel()
            term = values * slope
            term[np.isnan(values)] = blank
            logits += term
        for column, lookup in self._lookups.items():
            logits += lookup(columns[column])
        return _sigmoid_array(logits)


def probe_columns(encoder: Encoder, rows: int = PROBE_ROWS) -> dict[str, list[Any]]:
    """Return ``rows`` customers that cover every level and blank and non-blank numbers."""
    choices: dict[str, tuple[Any, ...]] = {
        column: _PROBE_NUMBERS[index % 2 :] for index, column in enumerate(encoder.numeric)
    }
    choices.update(encoder.levels)
    # Each run of len(values) rows takes every value; each column shifts by its own step.
    return {
        column: [values[(row + row // len(values) * step) % len(values)] for row in range(rows)]
        for step, (column, values) in enumerate(choices.items())
    }


def linear_scorer(run: Run, encoder: Encoder, estimator: str) -> LinearScorer | None:
    """Return the scorer of a linear model that agrees with ``run``, else None.

    None for an estimator outside ``LINEAR_ESTIMATORS``, or when any probe customer's
    probability differs from ONNX Runtime's by more than ``AGREEMENT`` (batch or single).
    """
    if estimator not in LINEAR_ESTIMATORS:
        return None
    scorer = LinearScorer.read_back(run, encoder)
    columns = probe_columns(encoder)
    expected = run(encoder.encode(columns))
    rows = [{column: columns[column][row] for column in columns} for row in range(PROBE_ROWS)]
    single = np.array([scorer.score_row(row) for row in rows])
    batch = scorer.score_columns(columns)
    differs = max(float(np.max(np.abs(batch - expected))), float(np.max(np.abs(single - expected))))
    if not differs <= AGREEMENT:
        logger.warning(
            "The %s graph's weights differ from ONNX Runtime by %.3g: ONNX Runtime scores",
            estimator,
            differs,
        )
        return None
    logger.info(
        "The %s graph is linear: scored with its weights (they agree with ONNX Runtime: %.1e)",
        estimator,
        differs,
    )
    return scorer
