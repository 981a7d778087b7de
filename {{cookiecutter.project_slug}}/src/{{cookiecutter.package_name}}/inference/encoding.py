"""Encode customers into the ONNX model's one input matrix: raw numbers, then one-hot levels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..data.columns import Coded, Columns

_NAN = float("nan")
#: The matrix column of an unknown level: none.
UNKNOWN_COLUMN = -1


def number(value: Any) -> Any:
    """Return ``value`` with None and blank text (a new customer's TotalCharges) as NaN."""
    if value is None:
        return _NAN
    if isinstance(value, str):
        return float(value) if value.strip() else _NAN
    return value


def numeric_array(values: Sequence[Any] | np.ndarray | Coded) -> np.ndarray:
    """Return a column of numbers as an (n, 1) float64 array; None or blank text becomes NaN."""
    if isinstance(values, Coded):
        raise TypeError("a numeric column cannot hold coded levels")
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return values.astype(np.float64, copy=False).reshape(-1, 1)
    return np.fromiter(map(number, values), dtype=np.float64, count=len(values)).reshape(-1, 1)


@dataclass(frozen=True)
class Encoder:
    """Lay out customers as the exported graph expects, without pandas or scikit-learn.

    Columns ``0 .. len(numeric) - 1`` hold the raw numbers (NaN when blank; the graph
    imputes and scales them); then one column per level of each categorical feature, in
    the fitted OneHotEncoder's order. An unknown level encodes as all zeros, like
    ``handle_unknown="ignore"`` (the request schema already refuses one).
    """

    numeric: tuple[str, ...]
    levels: Mapping[str, tuple[str, ...]]
    offsets: dict[str, dict[str, int]] = field(init=False, repr=False, compare=False)
    width: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        """Derive each level's column in the matrix."""
        offsets: dict[str, dict[str, int]] = {}
        start = len(self.numeric)
        for column, column_levels in self.levels.items():
            offsets[column] = {level: start + i for i, level in enumerate(column_levels)}
            start += len(column_levels)
        if not self.numeric:
            raise ValueError("cannot encode customers without a numeric column")
        object.__setattr__(self, "offsets", offsets)
        object.__setattr__(self, "width", start)

    @classmethod
    def from_metadata(cls, encoding: Mapping[str, Any]) -> Encoder:
        """Rebuild the encoder saved with the ONNX export (see ``to_metadata``)."""
        levels = encoding["levels"]
        return cls(
            tuple(str(c) for c in encoding["numeric"]),
            {str(c): tuple(str(level) for level in levels[c]) for c in levels},
        )

    def to_metadata(self) -> dict[str, Any]:
        """Return the encoder as JSON-ready metadata."""
        levels = {column: list(values) for column, values in self.levels.items()}
        return {"numeric": list(self.numeric), "levels": levels}

    def encode_row(self, row: Mapping[str, Any]) -> np.ndarray:
        """Return one customer (feature name -> value) as a (1, width) float64 matrix."""
        vector = [0.0] * self.width
        for index, column in enumerate(self.numeric):
            vector[index] = number(row[column])
        for column, offsets in self.offsets.items():
            offset = offsets.get(row[column])
            if offset is not None:
                vector[offset] = 1.0
        return np.array(vector, dtype=np.float64).reshape(1, -1)

    def _level_columns(self, column: str, values: Sequence[Any] | np.ndarray | Coded) -> np.ndarray:
        """Return the matrix column of each value's level (``UNKNOWN_COLUMN`` if unknown)."""
        offsets = self.offsets[column]
        if isinstance(values, Coded):  # look up each level once, then index by the codes
            table = [offsets.get(level, UNKNOWN_COLUMN) for level in values.levels]
            coded: np.ndarray = np.array([*table, UNKNOWN_COLUMN], dtype=np.intp)[values.codes]
            return coded
        found = (offsets.get(value, UNKNOWN_COLUMN) for value in values)
        return np.fromiter(found, dtype=np.intp, count=len(values))

    def encode(self, columns: Columns) -> np.ndarray:
        """Return customers given as one sequence per feature as an (n, width) matrix."""
        rows = len(columns[self.numeric[0]])
        matrix = np.zeros((rows, self.width), dtype=np.float64)
        for index, column in enumerate(self.numeric):
            matrix[:, index] = numeric_array(columns[column]).ravel()
        every_row = np.arange(rows)
        for column in self.levels:
            found = self._level_columns(column, columns[column])
            known = found != UNKNOWN_COLUMN
            matrix[every_row[known], found[known]] = 1.0
        return matrix
