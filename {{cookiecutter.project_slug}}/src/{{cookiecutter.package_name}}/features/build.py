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


def feature_blocks(preprocessor: ColumnTransformer) -> dict[str, slice]:
    """Return the output columns of the fitted preprocessor that each raw feature fills.

    Numbers are imputed and scaled column by column (one column each) and each categorical
    feature fills one column per level, so shuffling a raw column's rows shuffles the rows
    of its block only; a dropped column has no block. Raises ``ValueError`` when the widths
    do not add up to the transformer's output (a dropped level, an indicator column, ...).
    """
    blocks: dict[str, slice] = {}
    for name, transformer, columns in preprocessor.transformers_:
        if isinstance(transformer, str) and transformer == "drop":
            continue
        if isinstance(transformer, OneHotEncoder):
            widths = [len(levels) for levels in transformer.categories_]
        else:
            widths = [1] * len(columns)
        output = preprocessor.output_indices_[name]
        start = output.start
        for column, width in zip(columns, widths, strict=True):
            blocks[str(column)] = slice(start, start + width)
            start += width
        if start != output.stop:
            raise ValueError(
                f"the preprocessor's {name!r} step fills columns {output.start}:{output.stop}, "
                f"but its {len(widths)} features' widths end at column {start}"
            )
    width = max((output.stop for output in preprocessor.output_indices_.values()), default=0)
    if sum(block.stop - block.start for block in blocks.values()) != width:
        raise ValueError(f"the feature blocks do not cover the preprocessor's {width} columns")
    return blocks
