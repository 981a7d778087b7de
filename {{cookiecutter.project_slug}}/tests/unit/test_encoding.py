import math
from typing import Any

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.models.encoding import Encoder

LEVELS = {"Contract": ("Monthly", "Yearly"), "gender": ("F", "M")}
ENCODER = Encoder(("tenure", "TotalCharges"), LEVELS)
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
