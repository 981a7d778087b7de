"""Encode customers into the ONNX model's one input matrix: raw numbers, then one-hot levels."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Coded:
    """A categorical column as integer codes into ``levels``; code -1 is an unknown level.

    Arrow hands the batch scorer these codes for free (``pyarrow.compute.index_in``), so
    the encoder one-hots them by fancy indexing without looking up a single string.
    """

    codes: np.ndarray
    levels: tuple[str, ...]

    def __len__(self) -> int:
        """Return the number of values."""
        return len(self.codes)

    def to_text(self) -> np.ndarray:
        """Return the values as an object array of str (an unknown level as blank text)."""
        text: np.ndarray = np.array((*self.levels, ""), dtype=object)[self.codes]
        return text


@dataclass(frozen=True)
class LevelLookup:
    """Map a categorical column's values to fixed-size cells (bytes of ``dtype``), fast.

    Text is looked up in one ``itemgetter`` call and joined as bytes, so a column costs
    one C loop rather than a Python loop over its cells; ``Coded`` levels index a small
    table. A value outside ``cells`` (an unknown level) gets ``missing``.
    """

    cells: dict[str, bytes]
    missing: bytes
    dtype: np.dtype[Any]
    _tables: dict[tuple[str, ...], np.ndarray] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def of(cls, values: Mapping[str, Any], missing: Any, dtype: str) -> LevelLookup:
        """Return the lookup of ``values`` (level -> number) as cells of ``dtype``."""
        kind = np.dtype(dtype)
        # Interned keys: a level decoded by msgspec as a Literal is often the same object.
        cells = {sys.intern(k): np.array(v, dtype=kind).tobytes() for k, v in values.items()}
        return cls(cells, np.array(missing, dtype=kind).tobytes(), kind)

    def _table(self, levels: tuple[str, ...]) -> np.ndarray:
        """Return the cell of each of ``levels``, then ``missing`` (the cell of code -1)."""
        table = self._tables.get(levels)
        if table is None:
            found = [self.cells.get(level, self.missing) for level in levels]
            table = np.frombuffer(b"".join([*found, self.missing]), dtype=self.dtype)
            self._tables[levels] = table
        return table

    def __call__(self, values: Sequence[Any] | np.ndarray | Coded) -> np.ndarray:
        """Return each value's cell as a 1-d array of ``dtype``."""
        if isinstance(values, Coded):
            found: np.ndarray = self._table(values.levels)[values.codes]
            return found
        cells = self.cells
        try:  # one C loop over every cell (itemgetter of one key returns it bare, no tuple)
            hits: Iterable[bytes] | None = itemgetter(*values)(cells) if len(values) > 1 else None
        except KeyError:  # an unknown level: look the cells up one by one
            hits = None
        if hits is None:
            hits = map(cells.get, values, repeat(self.missing))
        return np.frombuffer(b"".join(hits), dtype=self.dtype)


#: One list (or array) of values per feature column; a blank TotalCharges is None or NaN.
Columns = Mapping[str, Sequence[Any] | np.ndarray | Coded]

_NAN = float("nan")
#: The blanks the raw file and the API allow for a number (TotalCharges of a new customer).
_BLANK_AS_NAN: dict[Any, float] = {None: _NAN, "": _NAN, " ": _NAN}
#: The matrix column of an unknown level (a level's column is a uint16; this is past them).
UNKNOWN_COLUMN = 0xFFFF


def number(value: Any) -> Any:
    """Return ``value`` with None and blank text (a new customer's TotalCharges) as NaN."""
    if value is None:
        return _NAN
    if isinstance(value, str):
        return float(value) if value.strip() else _NAN
    return value


def numeric_array(
    values: Sequence[Any] | np.ndarray | Coded, dtype: type[np.floating[Any]] = np.float64
) -> np.ndarray:
    """Return a column of numbers as an (n, 1) array; None or blank text becomes NaN."""
    if isinstance(values, Coded):
        raise TypeError("a numeric column cannot hold coded levels")
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        return values.astype(dtype, copy=False).reshape(-1, 1)
    count = len(values)
    try:  # the fast path: numbers only (fromiter skips np.array's type discovery)
        return np.fromiter(values, dtype=dtype, count=count).reshape(-1, 1)
    except (TypeError, ValueError):  # None or blank text among the numbers
        pass
    try:  # a blank as NaN by one dict lookup per cell in C (a third of the time of number)
        cells = map(_BLANK_AS_NAN.get, values, values)
        return np.fromiter(cells, dtype=dtype, count=count).reshape(-1, 1)
    except (TypeError, ValueError):  # other spellings ("\t", " 12.5"): one by one
        return np.fromiter(map(number, values), dtype=dtype, count=count).reshape(-1, 1)


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
    _lookups: dict[str, LevelLookup] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Derive each level's column in the matrix."""
        offsets: dict[str, dict[str, int]] = {}
        start = len(self.numeric)
        for column, column_levels in self.levels.items():
            offsets[column] = {level: start + i for i, level in enumerate(column_levels)}
            start += len(column_levels)
        if not self.numeric or start >= UNKNOWN_COLUMN:
            raise ValueError(f"cannot encode {start} columns with {len(self.numeric)} numbers")
        lookups = {c: LevelLookup.of(o, UNKNOWN_COLUMN, "<u2") for c, o in offsets.items()}
        object.__setattr__(self, "offsets", offsets)
        object.__setattr__(self, "width", start)
        object.__setattr__(self, "_lookups", lookups)

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

    def encode(self, columns: Columns) -> np.ndarray:
        """Return customers given as one sequence per feature as an (n, width) matrix.

        A ``Coded`` column maps to matrix columns by one fancy index into a small table;
        text maps each level to its column number as two bytes, so a column is one
        ``itemgetter`` call and one ``bytes`` join rather than a Python loop over its
        cells. Then one NumPy scatter sets every level's 1.0.
        """
        rows = len(columns[self.numeric[0]])
        matrix = np.zeros((rows, self.width), dtype=np.float64)
        for index, column in enumerate(self.numeric):
            matrix[:, index] = numeric_array(columns[column]).ravel()
        found = np.empty((rows, len(self.levels)), dtype=np.uint16)
        for index, column in enumerate(self.levels):
            found[:, index] = self._lookups[column](columns[column])
        flat = found + np.arange(0, rows * self.width, self.width, dtype=np.intp)[:, None]
        known = found != UNKNOWN_COLUMN
        matrix.ravel()[flat[known] if not known.all() else flat.ravel()] = 1.0
        return matrix
