"""Export the fitted Pipeline to ONNX with skl2onnx and keep it only if it matches scikit-learn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ..data.schema import CATEGORICAL_FEATURES, FEATURE_COLUMNS
from ..files import atomic_path
from ..registry.artifacts import ONNX_FILE
from .predictor import FEATURES, OUTPUTS, onnx_inputs, onnx_session

logger = logging.getLogger(__name__)

#: Numbers enter the graph as float64, so a row scores the same in any batch.
PRECISION: Final = "float64"
TARGET_OPSET: Final = {"": 17, "ai.onnx.ml": 3}
#: Largest |ONNX - scikit-learn| churn probability accepted on the hold-out set (measured:
#: ~1e-16 for logistic regression; tree ensembles ~1e-7, the float32 sum of their leaves).
TOLERANCE: Final = 1e-5


def _imputer_shape(operator: Any) -> None:
    """Give the imputer's output the input's type, one column per filled value."""
    columns = operator.raw_operator.statistics_.size
    operator.outputs[0].type = operator.inputs[0].type.__class__([None, columns])


def _log_shape(operator: Any) -> None:
    """Give ``log1p``'s output the input's type and shape."""
    operator.outputs[0].type = operator.inputs[0].type.__class__(operator.inputs[0].type.shape)


def _convert_log(scope: Any, operator: Any, container: Any) -> None:
    """Compute the features' ``FunctionTransformer``: ``log1p`` as Log(x + 1), or identity."""
    from skl2onnx.algebra.onnx_ops import OnnxAdd, OnnxIdentity, OnnxLog
    from skl2onnx.common.data_types import guess_numpy_type

    numbers, func = operator.inputs[0], operator.raw_operator.func
    outputs = {"op_version": 14, "output_names": operator.outputs[:1]}
    if func is None:
        node = OnnxIdentity(numbers, **outputs)
    elif func is np.log1p:
        one = np.ones(1, dtype=guess_numpy_type(numbers.type))
        node = OnnxLog(OnnxAdd(numbers, one, op_version=14), **outputs)
    else:
        raise ValueError(f"no ONNX conversion for FunctionTransformer({func.__name__})")
    node.add_to(scope, container)


def _boosting_shape(operator: Any) -> None:
    """Type the gradient-boosting node's scores float32, as TreeEnsembleClassifier returns them."""
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType

    rows = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = Int64TensorType([rows])
    operator.outputs[1].type = FloatTensorType([rows, 2])


def _convert_imputer(scope: Any, operator: Any, container: Any) -> None:
    """Fill NaN with IsNaN and Where, which run in float64.

    skl2onnx's own converter emits the ``Imputer`` op, which ONNX Runtime only runs in float32.
    """
    from skl2onnx.algebra.onnx_ops import OnnxIsNaN, OnnxWhere
    from skl2onnx.common.data_types import guess_numpy_type

    numbers = operator.inputs[0]
    fill = np.asarray(operator.raw_operator.statistics_, dtype=guess_numpy_type(numbers.type))
    filled = OnnxWhere(
        OnnxIsNaN(numbers, op_version=13),
        fill,
        numbers,
        op_version=16,
        output_names=operator.outputs[:1],
    )
    filled.add_to(scope, container)


def _float32_at_most(threshold: float) -> float:
    """Return the largest float32 not above ``threshold``: then x32 <= it iff x32 <= threshold."""
    rounded = np.float32(threshold)
    if rounded > threshold:
        rounded = np.nextafter(rounded, np.float32(-np.inf))
    return float(rounded)


def _tree_node(model: Any) -> tuple[Any, dict[str, Any]]:
    """Return the graph's tree-ensemble node and its attributes by name."""
    [node] = [node for node in model.graph.node if node.op_type == "TreeEnsembleClassifier"]
    return node, {attribute.name: attribute for attribute in node.attribute}


def _forest_compares_like_sklearn(model: Any, forest: Any) -> None:
    """Make the tree node compare float32 inputs with exact float32 thresholds, as sklearn does.

    scikit-learn trees cast their input to float32 and compare it with float64 thresholds;
    the converted node holds float32 thresholds, and one rounded up would send a value
    sitting on it the other way.
    """
    from onnx import TensorProto, helper

    node, attributes = _tree_node(model)
    values = attributes["nodes_values"].floats
    exact = [
        _float32_at_most(forest.estimators_[tree].tree_.threshold[index])
        if mode == b"BRANCH_LEQ"
        else value
        for tree, index, mode, value in zip(
            attributes["nodes_treeids"].ints,
            attributes["nodes_nodeids"].ints,
            attributes["nodes_modes"].strings,
            values,
            strict=True,
        )
    ]
    del values[:]
    values.extend(exact)
    cast = helper.make_node(
        "Cast", [node.input[0]], [f"{node.input[0]}_float32"], to=TensorProto.FLOAT
    )
    node.input[0] = cast.output[0]
    model.graph.node.insert(list(model.graph.node).index(node), cast)


def _boosting_compares_like_sklearn(model: Any, boosting: Any) -> None:
    """Give the tree node the float64 thresholds scikit-learn compares float64 inputs with.

    skl2onnx writes them as float32 (``nodes_values``); ai.onnx.ml opset 3 reads float64
    ones from ``nodes_values_as_tensor``. The trees are read where skl2onnx reads them,
    scikit-learn's private ``_predictors``: should a release move it, the export fails and
    the version is served by scikit-learn, with the reason in its metadata.
    """
    from onnx import TensorProto, helper

    node, attributes = _tree_node(model)
    exact = [
        boosting._predictors[tree][0].nodes["num_threshold"][index]
        for tree, index in zip(
            attributes["nodes_treeids"].ints, attributes["nodes_nodeids"].ints, strict=True
        )
    ]
    node.attribute.remove(attributes["nodes_values"])
    name = "nodes_values_as_tensor"
    tensor = helper.make_tensor(name, TensorProto.DOUBLE, [len(exact)], exact)
    node.attribute.append(helper.make_attribute(name, tensor))
    for opset in model.opset_import:
        if opset.domain == "ai.onnx.ml":
            opset.version = max(opset.version, TARGET_OPSET["ai.onnx.ml"])


def _expose_features(model: Any) -> list[str]:
    """Add a linear model's input, the encoded features, as the output ``features``.

    Explanations read it (coefficient x encoded value); scoring asks only for
    ``probabilities``, so ONNX Runtime does not copy it out then. Returns the outputs to keep.
    """
    from onnx import TensorProto, helper

    scores = [node for node in model.graph.node if node.op_type in {"MatMul", "LinearClassifier"}]
    if len(scores) != 1:
        return OUTPUTS
    model.graph.node.append(helper.make_node("Identity", [scores[0].input[0]], [FEATURES]))
    model.graph.output.append(
        helper.make_tensor_value_info(FEATURES, TensorProto.DOUBLE, [None, None])
    )
    return [*OUTPUTS, FEATURES]


def to_onnx(pipeline: Pipeline) -> Any:
    """Return the whole pipeline as an ONNX ``ModelProto``: one input per feature column.

    Text columns enter as strings and numbers as float64; the graph imputes, scales,
    one-hot encodes and scores, and returns the ``probabilities`` output (and, for a linear
    model, its encoded ``features``).
    """
    from onnx.utils import Extractor
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import FunctionTransformer

    text, number = StringTensorType([None, 1]), DoubleTensorType([None, 1])
    inputs = [(c, text if c in CATEGORICAL_FEATURES else number) for c in FEATURE_COLUMNS]
    model = convert_sklearn(
        pipeline,
        initial_types=inputs,
        options={id(pipeline[-1]): {"zipmap": False}},
        target_opset=TARGET_OPSET,
        custom_conversion_functions={
            SimpleImputer: _convert_imputer,
            FunctionTransformer: _convert_log,
        },
        custom_shape_calculators={
            SimpleImputer: _imputer_shape,
            FunctionTransformer: _log_shape,
            HistGradientBoostingClassifier: _boosting_shape,
        },
    )
    if isinstance(pipeline[-1], RandomForestClassifier):
        _forest_compares_like_sklearn(model, pipeline[-1])
    if isinstance(pipeline[-1], HistGradientBoostingClassifier):
        _boosting_compares_like_sklearn(model, pipeline[-1])
    outputs = _expose_features(model) if isinstance(pipeline[-1], LogisticRegression) else OUTPUTS
    # ONNX Runtime runs every node: drop those that only compute the unused label output.
    pruned = Extractor(model).extract_model(list(FEATURE_COLUMNS), outputs)
    pruned.ir_version = model.ir_version
    return pruned


def max_abs_diff(payload: bytes, pipeline: Pipeline, features: pd.DataFrame) -> float:
    """Return the largest |ONNX - scikit-learn| churn probability over parsed ``features``.

    A linear model's encoded ``features`` output is compared with the pipeline's too.
    """
    if features.empty:
        return 0.0
    features = features.loc[:, list(FEATURE_COLUMNS)]
    columns = {column: features[column].to_numpy() for column in FEATURE_COLUMNS}
    session, inputs = onnx_session(payload), onnx_inputs(columns)
    onnx = session.run(OUTPUTS, inputs)[0][:, 1]
    reference = pipeline.predict_proba(features)[:, 1]
    diff = np.max(np.abs(onnx.astype(np.float64) - reference))
    if FEATURES in {output.name for output in session.get_outputs()}:
        [encoded] = session.run([FEATURES], inputs)
        diff = max(diff, np.max(np.abs(encoded - pipeline[:-1].transform(features))))
    return float(diff)


def _fall_back(path: Path, reason: str) -> dict[str, Any]:
    logger.warning("No ONNX model: %s; predictions will use scikit-learn", reason)
    path.unlink(missing_ok=True)
    return {"file": None, "reason": reason}


def export_onnx(pipeline: Pipeline, features: pd.DataFrame, models_dir: Path) -> dict[str, Any]:
    """Write ``model.onnx`` if it matches the pipeline on ``features``; return its metadata.

    A model the converter cannot handle, or one that differs by more than ``TOLERANCE``,
    is not written (a stale file is removed); the metadata then says why.
    """
    path = models_dir / ONNX_FILE
    estimator = type(pipeline[-1]).__name__
    try:
        model = to_onnx(pipeline)
        payload = model.SerializeToString()
        diff = max_abs_diff(payload, pipeline, features)
    except Exception as exc:  # the converter and the runtime raise many exception types
        detail = (str(exc).splitlines() or [""])[0][:160]
        return _fall_back(path, f"cannot convert {estimator} ({type(exc).__name__}: {detail})")
    if not diff <= TOLERANCE:
        return _fall_back(
            path,
            f"{estimator} in ONNX differs from scikit-learn by {diff:.3g} on the hold-out set "
            f"(tolerance {TOLERANCE:g})",
        )
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return {
        "file": ONNX_FILE,
        "precision": PRECISION,
        "max_abs_diff": diff,
        "tolerance": TOLERANCE,
        "opset": {item.domain or "ai.onnx": item.version for item in model.opset_import},
    }
