"""The preprocessing ColumnTransformer: impute and scale numbers, one-hot encode levels."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..data.schema import CATEGORICAL_FEATURES, CATEGORICAL_LEVELS, NUMERIC_FEATURES


def build_preprocessor() -> ColumnTransformer:
    """Return an unfitted transformer from parsed raw columns to model features.

    A blank ``TotalCharges`` (tenure 0: nothing billed yet) becomes 0. Categories are the
    schema's allowed levels, so the encoding does not depend on which levels a sample holds.
    """
    numeric = Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value=0.0)),
            ("scale", StandardScaler()),
        ]
    )
    categorical = OneHotEncoder(
        categories=[list(CATEGORICAL_LEVELS[column]) for column in CATEGORICAL_FEATURES],
        handle_unknown="ignore",
        sparse_output=False,
    )
    return ColumnTransformer(
        [
            ("numeric", numeric, list(NUMERIC_FEATURES)),
            ("categorical", categorical, list(CATEGORICAL_FEATURES)),
        ],
        verbose_feature_names_out=False,
    )
