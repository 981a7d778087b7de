"""Export the fitted Pipeline to ONNX and keep it only if it matches scikit-learn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ..data.schema import FEATURE_COLUMNS
from ..files import atomic_path
from ..registry.artifacts import ONNX_FILE
from .encoding import Encoder
from .onnx_compat import (
    Block,
    convert_imputer,
    fitted_column_layout,
    forest_compares_like_sklearn,
    imputer_shape_calculator,
)
from .predictor import INPUT, OUTPUTS, onnx_session

logger = logging.getLogger(__name__)

#: Numbers enter the graph as float64; imputation, scaling and linear models stay float64.
PRECISION: Final = "float64"
TARGET_OPSET: Final = {"": 17, "ai.onnx.ml": 3}
#: Largest |ONNX - scikit-learn| probability accepted on the hold-out set, per estimator.
#: Linear models are float64 end to end (measured ~1e-16). Trees compare float32 inputs
#: against float32 thresholds exactly as scikit-learn does, so only the float32 sum of leaf
#: values differs (measured ~3e-7 for 300 trees).
TOLERANCES: Final[dict[str, float]] = {
    "LogisticRegression": 1e-5,
    "RandomForestClassifier": 1e-5,
    "HistGradientBoostingClassifier": 1e-5,
}
DEFAULT_TOLERANCE: Final = 1e-5


def tolerance_for(pipeline: Pipeline) -> float:
    """Return the parity tolerance of the pipeline's final estimator."""
    return TOLERANCES.get(type(pipeline[-1]).__name__, DEFAULT_TOLERANCE)


def encoder_for(pipeline: Pipeline) -> Encoder:
    """Return the encoder that lays out raw features as the pipeline's fitted transformer does.

    The pipeline must be a fitted ColumnTransformer (one numeric transformer, one
    OneHotEncoder without dropped or infrequent levels, nothing else kept) and an estimator;
    anything else raises ``NotImplementedError`` and scikit-learn serves instead.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    preprocess = pipeline[0] if len(pipeline.steps) == 2 else None
    if not isinstance(preprocess, ColumnTransformer):
        raise NotImplementedError("the pipeline is not a ColumnTransformer and an estimator")
    numeric: list[str] = []
    levels: dict[str, tuple[str, ...]] = {}
    for name, transformer, columns in preprocess.transformers_:
        if transformer == "drop" or not len(columns):
            continue
        if isinstance(transformer, OneHotEncoder):
            grouped = (transformer.min_frequency, transformer.max_categories) != (None, None)
            if levels or transformer.drop is not None or grouped:
                raise NotImplementedError(f"unsupported one-hot encoder {name!r}")
            for column, categories in zip(columns, transformer.categories_, strict=True):
                levels[str(column)] = tuple(str(level) for level in categories)
        elif numeric or isinstance(transformer, str):
            raise NotImplementedError(f"unsupported transformer {name!r}: {transformer!r}")
        else:
            numeric = [str(column) for column in columns]
    if not levels or not numeric or set(numeric) | set(levels) != set(FEATURE_COLUMNS):
        raise NotImplementedError("the transformer does not encode exactly the feature columns")
    return Encoder(tuple(numeric), levels)


def _encoded_pipeline(pipeline: Pipeline, encoder: Encoder) -> Pipeline:
    """Return the pipeline re-wired to read the encoder's matrix: the one-hot block passes.

    The fitted numeric transformer and estimator are reused as they are (nothing is refit);
    only the ColumnTransformer's column selection changes.
    """
    from sklearn.preprocessing import OneHotEncoder

    numbers = list(range(len(encoder.numeric)))
    one_hot = list(range(len(encoder.numeric), encoder.width))
    blocks: list[Block] = [
        (name, "passthrough", one_hot)
        if isinstance(transformer, OneHotEncoder)
        else (name, transformer, numbers)
        for name, transformer, columns in pipeline[0].transformers_
        if transformer != "drop" and len(columns)
    ]
    return Pipeline([("preprocess", fitted_column_layout(blocks)), ("model", pipeline[-1])])


def to_onnx(pipeline: Pipeline) -> tuple[Any, Encoder]:
    """Return the pipeline as an ONNX ``ModelProto`` reading one encoded matrix, and its encoder.

    The graph's input ``features`` is ``encoder.encode(...)``: raw numbers (imputed and
    scaled in the graph) and the one-hot block, so ONNX Runtime runs no string operators.
    """
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer

    encoder = encoder_for(pipeline)
    encoded = _encoded_pipeline(pipeline, encoder)
    model = convert_sklearn(
        encoded,
        initial_types=[(INPUT, DoubleTensorType([None, encoder.width]))],
        options={id(pipeline[-1]): {"zipmap": False}},
        target_opset=TARGET_OPSET,
        custom_conversion_functions={SimpleImputer: convert_imputer},
        custom_shape_calculators={SimpleImputer: imputer_shape_calculator()},
    )
    if isinstance(pipeline[-1], RandomForestClassifier):
        forest_compares_like_sklearn(model, pipeline[-1])
    return _probabilities_only(model), encoder


def _probabilities_only(model: Any) -> Any:
    """Return the graph without the nodes that only compute the unused ``label`` output.

    ONNX Runtime runs every node of a graph; the label branch cost ~25% of a one-row call.
    """
    from onnx.utils import Extractor

    pruned = Extractor(model).extract_model([INPUT], OUTPUTS)
    pruned.ir_version = model.ir_version
    return pruned


def max_abs_diff(
    payload: bytes, encoder: Encoder, pipeline: Pipeline, features: pd.DataFrame
) -> float:
    """Return the largest |encoder + ONNX - scikit-learn| churn probability over ``features``.

    Both the batch (``encode``) and the single-customer (``encode_row``) encodings count.
    """
    if features.empty:
        return 0.0
    session = onnx_session(payload)
    columns = {column: features[column].to_numpy() for column in FEATURE_COLUMNS}
    fast = session.run(OUTPUTS, {INPUT: encoder.encode(columns)})[0][:, 1].astype(np.float64)
    rows = features.loc[:, list(FEATURE_COLUMNS)].to_dict("records")
    one = np.vstack([encoder.encode_row(row) for row in rows])
    single = session.run(OUTPUTS, {INPUT: one})[0][:, 1].astype(np.float64)
    reference = pipeline.predict_proba(features.loc[:, list(FEATURE_COLUMNS)])[:, 1]
    return float(max(np.max(np.abs(fast - reference)), np.max(np.abs(single - reference))))


def _fall_back(path: Path, reason: str) -> dict[str, Any]:
    logger.warning("No ONNX model: %s; predictions will use scikit-learn", reason)
    path.unlink(missing_ok=True)
    return {"file": None, "reason": reason}


def export_onnx(pipeline: Pipeline, features: pd.DataFrame, models_dir: Path) -> dict[str, Any]:
    """Write ``model.onnx`` if it matches the pipeline on ``features``; return its metadata.

    A model the converter cannot handle, or one that differs by more than its tolerance,
    is not written (a stale file is removed); the metadata then says why.
    """
    path = models_dir / ONNX_FILE
    estimator = type(pipeline[-1]).__name__
    tolerance = tolerance_for(pipeline)
    try:
        model, encoder = to_onnx(pipeline)
        payload = model.SerializeToString()
        diff = max_abs_diff(payload, encoder, pipeline, features)
    except Exception as exc:  # the converter and the runtime raise many exception types
        detail = (str(exc).splitlines() or [""])[0][:160]
        return _fall_back(path, f"cannot convert {estimator} ({type(exc).__name__}: {detail})")
    if not diff <= tolerance:
        return _fall_back(
            path,
            f"{estimator} in ONNX differs from scikit-learn by {diff:.3g} on the hold-out set "
            f"(tolerance {tolerance:g})",
        )
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return {
        "file": ONNX_FILE,
        "precision": PRECISION,
        "max_abs_diff": diff,
        "tolerance": tolerance,
        "encoding": encoder.to_metadata(),
        "opset": {item.domain or "ai.onnx": item.version for item in model.opset_import},
    }
