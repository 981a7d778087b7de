"""Parse and validate a pyarrow batch of raw customers into the model's column arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import DataError
from .columns import Coded, Columns
from .load import parse_raw
from .schema import (
    BLANK_ALLOWED,
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    NUMERIC_FEATURES,
    NUMERIC_RANGES,
)
from .validate import require_columns

_LEVELS = {column: pa.array(levels, pa.string()) for column, levels in CATEGORICAL_LEVELS.items()}


def _all(mask: pa.Array) -> bool:
    return bool(pc.all(mask.fill_null(False)).as_py()) if len(mask) else True


def _decoded(values: pa.Array) -> pa.Array:
    """Return a dictionary-encoded column (e.g. a pandas category) as plain values."""
    return values.dictionary_decode() if pa.types.is_dictionary(values.type) else values


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _number(values: pa.Array, column: str) -> np.ndarray | None:
    """Return a numeric column as float64 (NaN where blank), or None if a value is invalid."""
    if _is_text(values.type):
        text = pc.utf8_trim_whitespace(values)
        blank = pc.equal(text, "")
        if column not in BLANK_ALLOWED and pc.any(blank).as_py():
            return None
        try:
            numbers = pc.cast(pc.if_else(blank, None, text), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
    elif pa.types.is_integer(values.type) or pa.types.is_floating(values.type):
        numbers = pc.cast(values, pa.float64())
    else:
        return None
    if numbers.null_count and column not in BLANK_ALLOWED:
        return None
    array = numbers.to_numpy(zero_copy_only=False)
    present = array[~np.isnan(array)] if numbers.null_count else array
    if len(present) != len(array) - numbers.null_count:  # a NaN written as text
        return None
    low, high = NUMERIC_RANGES[column]
    if present.size and (present.min() < low or present.max() > high):
        return None
    if column in INTEGER_COLUMNS and not np.array_equal(present, np.floor(present)):
        return None
    return np.asarray(array, dtype=np.float64)


def _levels(values: pa.Array, column: str) -> Coded | None:
    """Return a categorical column as codes into its schema levels, or None if one is bad.

    A dictionary-encoded column (how CSVs are read) is checked and mapped through its
    small dictionary; plain text is looked up value by value. The codes go to the encoder
    as they are: no level is ever turned back into a Python string.
    """
    if pa.types.is_dictionary(values.type) and _is_text(values.type.value_type):
        if values.null_count:
            return None
        # A sliced batch shares its dictionary with the whole block: check used entries only.
        mapping = pc.index_in(values.dictionary, value_set=_LEVELS[column]).fill_null(-1)
        codes = mapping.to_numpy()[values.indices.to_numpy()]
        if (codes < 0).any():
            return None
    elif _is_text(values.type):
        found = pc.index_in(values, value_set=_LEVELS[column])
        if found.null_count:
            return None
        codes = found.to_numpy()
    else:
        return None
    return Coded(codes, CATEGORICAL_LEVELS[column])


def _as_text(values: pa.Array) -> np.ndarray:
    values = _decoded(values)
    if not _is_text(values.type):
        values = pc.cast(values, pa.string())
    return np.asarray(values.fill_null("").to_numpy(zero_copy_only=False), dtype=object)


def _explain(batch: pa.RecordBatch, source: str, first_row: int) -> DataError:
    """Return the one-line error ``parse_raw`` gives for the batch's first invalid value."""
    index = pd.RangeIndex(first_row, first_row + batch.num_rows)
    names = (ID_COLUMN, *FEATURE_COLUMNS)
    frame = pd.DataFrame({name: _as_text(batch.column(name)) for name in names}, index=index)
    try:
        parse_raw(frame, require_target=False, source=source)
    except DataError as exc:
        return exc
    last = first_row + batch.num_rows
    return DataError(f"{source}: data rows {first_row + 1} to {last}: a value has the wrong type")


def parse_batch(batch: pa.RecordBatch, source: str, first_row: int = 0) -> tuple[pa.Array, Columns]:
    """Return a batch's customer IDs and its features (numbers, ``Coded`` levels), validated.

    The rules are those of ``load.parse_raw`` (levels, ranges, whole numbers, blank
    ``TotalCharges`` only), checked with Arrow compute kernels; on the first failure the
    batch is parsed again by ``parse_raw`` for its one-line error naming column and row
    (``first_row`` is the batch's first data row in the file, from 0).
    """
    require_columns(batch.schema.names, (ID_COLUMN, *FEATURE_COLUMNS), source)
    ids = pc.cast(batch.column(ID_COLUMN), pa.string())
    valid = _all(pc.greater(pc.utf8_length(ids), 0))
    columns: dict[str, np.ndarray | Coded] = {}
    for column in FEATURE_COLUMNS:
        if not valid:
            break
        values = batch.column(column)
        if column in NUMERIC_FEATURES:
            numbers = _number(_decoded(values), column)
            valid = numbers is not None
            if numbers is not None:
                columns[column] = numbers
        else:
            levels = _levels(values, column)
            valid = levels is not None
            if levels is not None:
                columns[column] = levels
    if not valid:
        raise _explain(batch, source, first_row)
    return ids, columns
