import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from sklearn.preprocessing import OneHotEncoder

from {{ cookiecutter.package_name }}.data.columns import Coded, Columns
from {{ cookiecutter.package_name }}.inference.encoding import (
    Encoder,
    numeric_array,
)

LEVELS = {"Contract": ("Monthly", "Yearly"), "gender": ("F", "M")}
ENCODER = Encoder(("tenure", "TotalCharges"), LEVELS)
_NAN = float("nan")
ROWS: list[dict[str, Any]] = [
    {"tenure": 1, "TotalCharges": 29.85, "Contract": "Yearly", "gender": "F"},
    {"tenure": 0, "TotalCharges": " ", "Contract": "Monthly", "gender": "M"},
    {"tenure": 5, "TotalCharges": None, "Contract": "Weekly", "gender": "M"},
]


def columns_of(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {column: [row[column] for row in rows] for column in rows[0]}


def test_numbers_come_first_then_one_column_per_level() -> None:
    assert ENCODER.width == 6
    assert ENCODER.offsets == {"Contract": {"Monthly": 2, "Yearly": 3}, "gender": {"F": 4, "M": 5}}
    assert ENCODER.encode_row(ROWS[0]).tolist() == [[1.0, 29.85, 0.0, 1.0, 1.0, 0.0]]


def test_a_blank_number_becomes_nan_for_the_graph_to_impute() -> None:
    matrix = ENCODER.encode(columns_of(ROWS))
    assert math.isnan(matrix[1, 1])
    assert math.isnan(matrix[2, 1])
    assert math.isnan(ENCODER.encode_row(ROWS[1])[0, 1])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2.5, None], [1.0, 2.5, _NAN]),
        ([29.85, " ", "", 3], [29.85, _NAN, _NAN, 3.0]),
        ([" ", "\t", "12.5", None, 7], [_NAN, _NAN, 12.5, _NAN, 7.0]),
        (np.array([1, 2], dtype=np.int64), [1.0, 2.0]),
    ],
    ids=["numbers and null", "the allowed blanks", "other text", "an integer array"],
)
def test_a_numeric_column_reads_numbers_and_any_blank_as_nan(
    values: Any, expected: list[float]
) -> None:
    column = numeric_array(values)
    assert column.shape == (len(expected), 1)
    assert np.array_equal(column.ravel(), np.array(expected), equal_nan=True)


def test_an_unknown_level_encodes_as_zeros_like_handle_unknown_ignore() -> None:
    assert ENCODER.encode_row(ROWS[2])[0, 2:4].tolist() == [0.0, 0.0]
    assert ENCODER.encode(columns_of(ROWS))[2, 2:4].tolist() == [0.0, 0.0]


def test_one_row_and_a_batch_encode_identically() -> None:
    batch = ENCODER.encode(columns_of(ROWS))
    rows = np.vstack([ENCODER.encode_row(row) for row in ROWS])
    assert np.array_equal(batch, rows, equal_nan=True)
    assert batch.dtype == np.float64
    assert batch.shape == (3, ENCODER.width)


def test_the_encoder_round_trips_through_its_metadata() -> None:
    assert Encoder.from_metadata(ENCODER.to_metadata()) == ENCODER


def test_an_encoder_without_numbers_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot encode"):
        Encoder((), {"gender": ("F", "M")})


def random_customers(count: int, seed: int, extra: tuple[str, ...]) -> dict[str, list[Any]]:
    """Random rows with every level and ``extra`` levels, and blank numbers."""
    rng = np.random.default_rng(seed)
    columns: dict[str, list[Any]] = {
        column: [str(value) for value in rng.choice([*levels, *extra], count)]
        for column, levels in LEVELS.items()
    }
    columns["tenure"] = rng.integers(0, 72, count).tolist()
    charges: list[Any] = rng.uniform(0, 9000, count).round(2).tolist()
    columns["TotalCharges"] = [" " if i % 7 == 0 else value for i, value in enumerate(charges)]
    return columns


def reference_encoding(columns: dict[str, list[Any]]) -> np.ndarray:
    """Encode with scikit-learn's OneHotEncoder fitted on the levels (the graph's reference)."""
    categories = [list(levels) for levels in LEVELS.values()]
    one_hot = OneHotEncoder(categories=categories, handle_unknown="ignore", sparse_output=False)
    text = np.array([columns[column] for column in LEVELS], dtype=object).T
    levels = one_hot.fit(text[:1]).transform(text)
    numbers = [[_NAN if value == " " else value for value in columns[c]] for c in ENCODER.numeric]
    return np.hstack([np.array(numbers, dtype=np.float64).T, levels])


def coded(columns: dict[str, list[Any]], order: Mapping[str, tuple[str, ...]]) -> Columns:
    """Return the categorical columns as codes into ``order`` (-1 for a value not in it)."""
    codes = {
        column: Coded(
            np.array([levels.index(v) if v in levels else -1 for v in columns[column]]),
            levels,
        )
        for column, levels in order.items()
    }
    return {**columns, **codes}


@pytest.mark.parametrize("extra", [(), ("", "Weekly", "f")], ids=["known", "unknown-and-blank"])
def test_text_and_codes_encode_exactly_like_the_fitted_one_hot_encoder(
    extra: tuple[str, ...],
) -> None:
    columns = random_customers(500, seed=3, extra=extra)
    expected = reference_encoding(columns)
    assert np.array_equal(ENCODER.encode(columns), expected, equal_nan=True)
    # Codes in another level order (the data schema's), with levels the model never saw.
    order = {"Contract": ("Yearly", "Weekly", "Monthly"), "gender": ("M", "F", "X")}
    assert np.array_equal(ENCODER.encode(coded(columns, order)), expected, equal_nan=True)
    rows = [{column: values[i] for column, values in columns.items()} for i in range(50)]
    single = np.vstack([ENCODER.encode_row(row) for row in rows])
    assert np.array_equal(single, expected[:50], equal_nan=True)


def test_coded_levels_read_back_as_text_with_unknown_as_blank() -> None:
    values = Coded(np.array([1, -1, 0]), ("F", "M"))
    assert len(values) == 3
    assert values.to_text().tolist() == ["M", "", "F"]


def test_a_numeric_column_of_codes_is_refused() -> None:
    columns: Columns = {**columns_of(ROWS), "tenure": Coded(np.array([0, 0, 0]), ("0",))}
    with pytest.raises(TypeError, match="numeric column"):
        ENCODER.encode(columns)
