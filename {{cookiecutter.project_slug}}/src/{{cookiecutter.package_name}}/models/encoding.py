"""Encode customers into the ONNX model's one input matrix: raw numbers, then one-hot levels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

#: One list (or array) of values per feature column; a blank TotalCharges is None or NaN.
Columns = Mapping[str, Sequence[Any] | np.ndarray]

_NAN = float("nan")
#: A level's matrix column as two little-endian bytes; all ones marks an unknown level.
_CODE = np.dtype("<u2")
_UNKNOWN_CODE = 0xFFFF
_UNKNOWN = _UNKNOWN_CODE.to_bytes(2, "little")


def _code(offset: int) -> bytes:
    return offset.to_bytes(2, "little")


def _number(value: Any) -> Any:
    """Return ``value`` with None and blank text (a new customer's TotalCharges) as NaN."""
    if value is None:
        return _NAN
    if isinstance(value, str):
        return float(value) if value.strip() else _NAN
    return value


def numeric_array(
    values: Sequence[Any] | np.ndarray, dtype: type[np.floating[Any]] = np.float64
) -> np.ndarray:
    """Return a column of numbers as an (n, 1) array; None or blank text becomes NaN."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return values.astype(dtype, copy=False).reshape(-1, 1)
    try:  # the fast path: numbers, with None as NaN
        return np.array(values, dtype=dtype).reshape(-1, 1)
    except (TypeError, ValueError):  # blank text among the numbers
        return np.fromiter(map(_number, values), dtype=dtype, count=len(values)).reshape(-1, 1)


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
    _codes: dict[str, dict[str, bytes]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Derive each level's column in the matrix."""
        offsets: dict[str, dict[str, int]] = {}
        start = len(self.numeric)
        for column, column_levels in self.levels.items():
            offsets[column] = {level: start + i for i, level in enumerate(column_levels)}
            start += len(column_levels)
        if not self.numeric or start >= _UNKNOWN_CODE:
            raise ValueError(f"cannot encode {start} columns with {len(self.numeric)} numbers")
        codes = {c: {level: _code(at) for level, at in o.items()} for c, o in offsets.items()}
        object.__setattr__(self, "offsets", offsets)
        object.__setattr__(self, "width", start)
        object.__setattr__(self, "_codes", codes)

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
            vector[index] = _number(row[column])
        for column, offsets in self.offsets.items():
            offset = offsets.get(row[column])
            if offset is not None:
                vector[offset] = 1.0
        return np.array(vector, dtype=np.float64).reshape(1, -1)

    def encode(self, columns: Columns) -> np.ndarray:
        """Return customers given as one sequence per feature as an (n, width) matrix.

        Each level maps to its column number as two bytes, so a whole batch becomes one
        ``bytes`` join and one NumPy scatter instead of a Python loop over the cells.
        """
        rows = len(columns[self.numeric[0]])
        matrix = np.zeros((rows, self.width), dtype=np.float64)
        for index, column in enumerate(self.numeric):
            matrix[:, index] = numeric_array(columns[column]).ravel()
        codes = self._codes
        joined = b"".join(
            [b"".join(map(codes[c].get, columns[c], repeat(_UNKNOWN, rows))) for c in codes]
        )
        found = np.frombuffer(joined, dtype=_CODE).reshape(len(codes), rows).T
        flat = found + np.arange(0, rows * self.width, self.width, dtype=np.intp)[:, None]
        known = found != _UNKNOWN_CODE
        matrix.ravel()[flat[known] if not known.all() else flat.ravel()] = 1.0
        return matrix
