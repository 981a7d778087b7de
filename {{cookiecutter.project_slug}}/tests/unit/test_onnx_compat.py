"""Pin each skl2onnx workaround: a failure here means the converter changed, so revisit it."""

from typing import Any

import numpy as np
import pytest
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import DoubleTensorType
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from {{ cookiecutter.package_name }}.inference import onnx_compat
from {{ cookiecutter.package_name }}.inference.predictor import onnx_session

OPSET = {"": 17, "ai.onnx.ml": 3}


def run(model: Any, rows: np.ndarray) -> np.ndarray:
    outputs = onnx_session(model.SerializeToString()).run(None, {"x": rows})
    return np.asarray(outputs[-1])


def convert(estimator: Any, width: int, **options: Any) -> Any:
    inputs = [("x", DoubleTensorType([None, width]))]
    return convert_sklearn(estimator, initial_types=inputs, target_opset=OPSET, **options)


def test_the_private_shape_calculator_is_still_there() -> None:
    try:
        calculator = onnx_compat.imputer_shape_calculator()
    except (ImportError, ValueError) as exc:  # pragma: no cover - only when skl2onnx changes
        pytest.fail(f"skl2onnx moved get_shape_calculator; update imputer_shape_calculator: {exc}")
    assert callable(calculator)


def test_the_builtin_imputer_still_cannot_run_in_float64() -> None:
    imputer = SimpleImputer().fit(np.array([[1.0], [np.nan], [3.0]]))
    model = convert(imputer, 1)
    assert [node.op_type for node in model.graph.node] == ["Imputer"]
    with pytest.raises(Exception, match="NOT_IMPLEMENTED"):
        run(model, np.array([[np.nan]]))  # when this passes, convert_imputer may go


def test_the_replacement_imputer_fills_nan_in_float64() -> None:
    rows = np.array([[1.0, np.nan], [np.nan, 0.1], [3.0, 0.3]])
    imputer = SimpleImputer().fit(rows)
    model = convert(
        imputer,
        2,
        custom_conversion_functions={SimpleImputer: onnx_compat.convert_imputer},
        custom_shape_calculators={SimpleImputer: onnx_compat.imputer_shape_calculator()},
    )
    assert {node.op_type for node in model.graph.node} >= {"IsNaN", "Where"}
    assert np.array_equal(run(model, rows), imputer.transform(rows))


def test_a_layout_of_fitted_blocks_converts_without_refitting() -> None:
    rows = np.array([[1.0, 10.0, 1.0], [2.0, 30.0, 0.0], [4.0, 20.0, 1.0]])
    scaler = StandardScaler().fit(rows[:, :2])
    blocks: list[onnx_compat.Block] = [("num", scaler, [0, 1]), ("hot", "passthrough", [2])]
    layout = onnx_compat.fitted_column_layout(blocks)
    model = convert(Pipeline([("layout", layout)]), 3)
    expected = np.hstack([scaler.transform(rows[:, :2]), rows[:, 2:]])
    assert run(model, rows) == pytest.approx(expected, abs=1e-12)


def test_forest_thresholds_still_need_the_float32_comparison() -> None:
    forest = RandomForestClassifier(n_estimators=1, bootstrap=False, max_depth=1, random_state=0)
    forest.fit(np.array([[0.1], [0.2]]), [0, 1])
    # Just above the float32 threshold in float64, but at it once cast to float32.
    rows = np.array([[0.149999995], [0.150000004], [0.1], [0.2]])
    expected = forest.predict_proba(rows)[:, 1]
    model = convert(forest, 1, options={id(forest): {"zipmap": False}})
    assert not np.array_equal(run(model, rows)[:, 1], expected)  # else the patch may go
    onnx_compat.forest_compares_like_sklearn(model, forest)
    assert np.array_equal(run(model, rows)[:, 1], expected)
