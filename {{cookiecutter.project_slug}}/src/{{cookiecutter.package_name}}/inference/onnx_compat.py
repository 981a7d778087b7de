"""Workarounds for skl2onnx, in one place: each is pinned by tests/unit/test_onnx_compat.py.

The tests fail loudly when skl2onnx changes what a workaround relies on (a private import,
a fitted attribute set by hand) or stops needing it; update this module when they do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.compose import ColumnTransformer

Block = tuple[str, Any, Sequence[int]]


def imputer_shape_calculator() -> Callable[..., None]:
    """Return skl2onnx's shape calculator for SimpleImputer (only reachable via a private module).

    ``convert_imputer`` replaces the converter; the shape stays skl2onnx's own.
    """
    from skl2onnx.common._registration import get_shape_calculator

    calculator: Callable[..., None] = get_shape_calculator("SklearnImputer")
    return calculator


def fitted_column_layout(blocks: list[Block]) -> ColumnTransformer:
    """Return a ColumnTransformer of already fitted blocks, without fitting it again.

    skl2onnx reads only the fitted ``transformers_`` attribute, which is set here by hand so
    that the fitted numeric transformer is reused as it is.
    """
    layout = ColumnTransformer(blocks)
    layout.transformers_ = blocks
    return layout


def convert_imputer(scope: Any, operator: Any, container: Any) -> None:
    """Convert a NaN-filling SimpleImputer to IsNaN + Where, which run in float64.

    skl2onnx's own converter emits the ai.onnx.ml ``Imputer`` op, which ONNX Runtime only
    implements for float32.
    """
    from onnx.helper import np_dtype_to_tensor_dtype
    from skl2onnx.common.data_types import DoubleTensorType
    from skl2onnx.operator_converters.common import concatenate_variables

    imputer = operator.raw_operator
    fill = np.asarray(imputer.statistics_, dtype=np.float64)
    missing = imputer.missing_values
    if not (isinstance(missing, float) and np.isnan(missing)) or not np.isfinite(fill).all():
        raise NotImplementedError("only imputers that fill NaN with finite values convert")
    dtype = np.float64 if isinstance(operator.inputs[0].type, DoubleTensorType) else np.float32
    fill_name = scope.get_unique_variable_name("fill_value")
    container.add_initializer(
        fill_name, np_dtype_to_tensor_dtype(np.dtype(dtype)), [fill.size], fill.tolist()
    )
    merged = concatenate_variables(scope, operator.inputs, container)
    is_nan = scope.get_unique_variable_name("is_nan")
    container.add_node("IsNaN", [merged], [is_nan], name=scope.get_unique_operator_name("IsNaN"))
    container.add_node(
        "Where",
        [is_nan, fill_name, merged],
        [operator.outputs[0].full_name],
        name=scope.get_unique_operator_name("Where"),
    )


def float32_at_most(threshold: float) -> float:
    """Return the largest float32 not above ``threshold``: then x32 <= it iff x32 <= threshold."""
    rounded = np.float32(threshold)
    if rounded > threshold:
        rounded = np.nextafter(rounded, np.float32(-np.inf))
    return float(rounded)


def forest_compares_like_sklearn(model: Any, forest: Any) -> None:
    """Make the forest's tree node compare float32 inputs with exact float32 thresholds.

    scikit-learn trees cast their input to float32 and compare it with float64 thresholds;
    the converted node compares a float64 input as it is (and skl2onnx before 1.20 rounded
    the thresholds to nearest), which flips rows that sit on a split.
    """
    from onnx import TensorProto, helper

    trees = [node for node in model.graph.node if node.op_type == "TreeEnsembleClassifier"]
    if len(trees) != 1:
        raise NotImplementedError(f"expected one TreeEnsembleClassifier, found {len(trees)}")
    node = trees[0]
    attributes = {attribute.name: attribute for attribute in node.attribute}
    values = attributes["nodes_values"].floats
    exact = [
        float32_at_most(forest.estimators_[tree].tree_.threshold[index])
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
    cast_name = f"{node.input[0]}_float32"
    cast = helper.make_node(
        "Cast", [node.input[0]], [cast_name], to=TensorProto.FLOAT, name="CastTreeInput"
    )
    node.input[0] = cast_name
    position = list(model.graph.node).index(node)
    model.graph.node.insert(position, cast)
