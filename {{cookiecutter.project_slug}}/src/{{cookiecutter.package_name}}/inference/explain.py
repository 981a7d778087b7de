"""Reasons per customer: how much each feature column adds to the churn score, and from what."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from ..data.schema import FEATURE_COLUMNS
from ..errors import ExplainError

if TYPE_CHECKING:
    import pandas as pd

#: The optional dependencies that explain tree models: shap (with scikit-learn).
EXTRA = "explain"
#: How many reasons `predict --explain` writes per customer.
TOP = 3
#: What baseline + contributions add up to: the logit of the churn probability, or itself.
Scale = Literal["log_odds", "probability"]
#: The API's descriptions of an explanation's fields (``?explain=true``).
REASONS = "explain=true: every feature column's contribution to the score, largest first."
BASELINE = (
    "explain=true: the model's intercept (a tree model: its mean training score). baseline "
    "+ contributions = logit(churn_probability); for a random forest, = churn_probability."
)


class Reason(TypedDict):
    """One feature column's contribution to a customer's score, on the baseline's scale."""

    feature: Annotated[str, Field(description="A feature column of the raw data.")]
    contribution: float


@dataclass(frozen=True)
class Explanation:
    """Each customer's contribution per feature column, and the baseline they add to.

    ``baseline + contributions.sum(axis=1)`` is the model's score on ``scale``: the logit
    of the churn probability (logistic regression, gradient boosting) or the probability
    itself (random forest). The baseline is the linear model's intercept, or a tree model's
    mean training score; a positive contribution is a column whose value raises the score.
    """

    contributions: np.ndarray  # (customers, len(FEATURE_COLUMNS)), in FEATURE_COLUMNS order
    baseline: np.ndarray  # (customers,)
    scale: Scale

    def reasons(self, row: int) -> list[Reason]:
        """Return one customer's columns and contributions, the largest first."""
        values = self.contributions[row]
        order = np.argsort(-values, kind="stable")
        return [Reason(feature=FEATURE_COLUMNS[i], contribution=float(values[i])) for i in order]

    def fields(self, row: int) -> dict[str, Any]:
        """Return one customer's ``reasons`` and ``baseline``, as the API answers them."""
        return {"reasons": self.reasons(row), "baseline": float(self.baseline[row])}

    def top(self, count: int = TOP) -> list[list[str | None]]:
        """Return ``count`` lists: the k-th largest positive contribution's column per customer.

        A customer with fewer than ``count`` positive contributions gets None in the rest.
        """
        order = np.argsort(-self.contributions, axis=1, kind="stable")[:, :count]
        raises = np.take_along_axis(self.contributions, order, axis=1) > 0
        return [
            [
                FEATURE_COLUMNS[i] if up else None
                for i, up in zip(order[:, k], raises[:, k], strict=True)
            ]
            for k in range(count)
        ]


def encoded_columns(preprocessor: Any) -> list[str]:
    """Return the feature column each output of a fitted ColumnTransformer comes from.

    A step's output is named after its input column (numbers) or ``column_level`` (one-hot
    levels, whichever are kept): the longest of the step's columns that names it is its source.
    """
    columns: list[str] = []
    for name, transformer, inputs in preprocessor.transformers_:
        if preprocessor.output_indices_[name].stop == preprocessor.output_indices_[name].start:
            continue  # a dropped remainder
        for output in transformer.get_feature_names_out(inputs):
            found = [c for c in inputs if output == c or output.startswith(f"{c}_")]
            if not found:
                raise ValueError(f"cannot tell which column {output!r} of {name!r} comes from")
            columns.append(max(found, key=len))
    return columns


def linear_terms(pipeline: Any) -> dict[str, Any] | None:
    """Return what explains a fitted linear pipeline exactly (None for a tree model).

    Stored in the version's metadata: the coefficients and intercept, and the feature
    column each encoded feature comes from.
    """
    model = pipeline[-1]
    if not hasattr(model, "coef_"):
        return None
    return {
        "columns": encoded_columns(pipeline[0]),
        "coefficients": model.coef_[0].tolist(),
        "intercept": float(model.intercept_[0]),
    }


def _owners(columns: Sequence[str]) -> np.ndarray:
    """Return the 0/1 matrix that sums encoded features into their feature columns."""
    owner = np.zeros((len(columns), len(FEATURE_COLUMNS)))
    owner[np.arange(len(columns)), [FEATURE_COLUMNS.index(column) for column in columns]] = 1.0
    return owner


class LinearExplainer:
    """Explain a logistic regression exactly: coefficient x encoded value, summed per column.

    The numbers are standardised (their contribution is 0 at the training mean); a level of
    a categorical column contributes its coefficient. The baseline is the intercept, so
    baseline + the contributions is the model's logit, to rounding.
    """

    def __init__(self, terms: Mapping[str, Any]) -> None:
        """Keep the terms (``linear_terms``) as arrays, ready for every call."""
        self.coefficients = np.asarray(terms["coefficients"], dtype=np.float64)
        self.baseline = float(terms["intercept"])
        self.owners = _owners(terms["columns"])

    def __call__(self, encoded: np.ndarray) -> Explanation:
        """Explain each row of the encoded features."""
        parts = np.asarray(encoded, dtype=np.float64) * self.coefficients
        return Explanation(parts @ self.owners, np.full(len(parts), self.baseline), "log_odds")


class TreeExplainer:
    """Explain a fitted tree pipeline with shap's TreeExplainer (the ``explain`` extra)."""

    def __init__(self, pipeline: Any) -> None:
        """Build shap's explainer of the estimator once (``ExplainError`` without shap)."""
        try:
            import shap
        except ImportError:
            raise ExplainError(
                f"explaining a tree model needs shap: install the `{EXTRA}` extra"
            ) from None
        self.pipeline = pipeline
        self.explainer = shap.TreeExplainer(pipeline[-1])
        #: Gradient boosting's raw output is the logit; a forest's is the probability.
        self.scale: Scale = (
            "log_odds" if hasattr(pipeline[-1], "decision_function") else "probability"
        )

    def __call__(self, frame: pd.DataFrame) -> Explanation:
        """Explain each row of a parsed frame of the feature columns."""
        encoded = np.asarray(self.pipeline[:-1].transform(frame), dtype=np.float64)
        values = np.asarray(self.explainer.shap_values(encoded))
        expected = np.asarray(self.explainer.expected_value, dtype=np.float64).reshape(-1)
        if values.ndim == 3:  # one set per class: keep churn's
            values, expected = values[..., 1], expected[1:]
        owners = _owners(encoded_columns(self.pipeline[0]))
        return Explanation(values @ owners, np.full(len(encoded), expected[0]), self.scale)
