"""Validate parsed raw data against the schema; errors name the column, count and a bad value."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ..errors import DataError
from .schema import (
    CATEGORICAL_LEVELS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    NUMERIC_RANGES,
    RAW_COLUMNS,
    TARGET_COLUMN,
)

#: How many repeated customer IDs, or names of a header without Telco columns, an error quotes.
_QUOTED = 3


def require_columns(names: Sequence[str], required: Sequence[str], source: str) -> None:
    """Raise ``DataError`` naming an empty header, a repeated column or the required ones missing.

    ``required`` lists the columns the command reads: without ``Churn`` to score.
    """
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        listed = ", ".join(repr(name) for name in repeated)
        raise DataError(f"{source}: the header repeats column(s) {listed}; name each column once")
    expected = f"expected the raw Telco columns {', '.join(required or RAW_COLUMNS)}"
    if not any(names):
        raise DataError(f"{source}: no header (the file or its first line is empty); {expected}")
    missing = [column for column in required if column not in names]
    if not missing:
        return
    if len(names) == 1 and (separator := next((s for s in ";\t|" if s in names[0]), None)):
        raise DataError(
            f"{source}: the header is one column split by {separator!r}; "
            "expected comma-separated values (save the file as CSV with commas)"
        )
    as_named = {name.casefold(): name for name in names}
    if not any(column.casefold() in as_named for column in required):
        found = ", ".join(repr(name) for name in names[:_QUOTED])
        more = f" and {len(names) - _QUOTED:,} more" if len(names) > _QUOTED else ""
        raise DataError(f"{source}: no Telco column in its header ({found}{more}); {expected}")
    listed = ", ".join(
        f"{column!r} (found {as_named[column.casefold()]!r}: names are case-sensitive)"
        if column.casefold() in as_named
        else repr(column)
        for column in missing
    )
    raise DataError(f"{source}: missing column(s) {listed}; {expected}")


def check_unique_ids(frame: pd.DataFrame, source: str) -> None:
    """Raise ``DataError`` if a customer ID repeats (one customer must not be counted twice)."""
    repeats = frame[ID_COLUMN].duplicated()
    if repeats.any():
        first = frame.loc[repeats, ID_COLUMN].drop_duplicates().head(_QUOTED)
        quoted = ", ".join(repr(str(value)) for value in first)
        raise DataError(
            f"{source}: column '{ID_COLUMN}' must be unique: {int(repeats.sum())} of "
            f"{len(frame)} rows repeat an earlier ID (first: {quoted})"
        )


@lru_cache(maxsize=2)
def raw_schema(*, require_target: bool) -> pa.DataFrameSchema:
    """Return the pandera schema of a parsed raw frame (numbers converted, target as 0/1)."""
    columns: dict[str, pa.Column] = {
        ID_COLUMN: pa.Column(checks=pa.Check.str_length(min_value=1), nullable=False),
    }
    for name, levels in CATEGORICAL_LEVELS.items():
        columns[name] = pa.Column(checks=pa.Check.isin(levels), nullable=False)
    for name, (low, high) in NUMERIC_RANGES.items():
        columns[name] = pa.Column(
            checks=pa.Check.in_range(low, high),
            nullable=name not in INTEGER_COLUMNS and name != "MonthlyCharges",
        )
    if require_target:
        columns[TARGET_COLUMN] = pa.Column(checks=pa.Check.isin((0, 1)), nullable=False)
    return pa.DataFrameSchema(columns, strict=False, ordered=False)


def describe_failure(
    column: str,
    bad: pd.Series,
    total: int,
    expectation: str,
    *,
    source: str = "data",
) -> str:
    """Return one line naming the column, how many rows fail, why, and the first bad value."""
    first_index = bad.index[0]
    row = int(first_index) + 1 if isinstance(first_index, int | np.integer) else first_index
    value = bad.iloc[0]
    if isinstance(value, np.generic):  # np.int64(-4) -> -4, as it stands in the file
        value = value.item()
    return (
        f"{source}: column '{column}': {len(bad)} of {total} rows invalid ({expectation}); "
        f"first bad value {value!r} at data row {row}"
    )


def _expectation(column: str) -> str:
    if column in CATEGORICAL_LEVELS:
        allowed = ", ".join(repr(level) for level in CATEGORICAL_LEVELS[column])
        return f"allowed: {allowed}"
    if column in NUMERIC_RANGES:
        low, high = NUMERIC_RANGES[column]
        return f"must be a number from {low:g} to {high:g}"
    if column == TARGET_COLUMN:
        return "allowed: 'Yes', 'No'"
    return "must not be empty"


def validate_parsed(
    frame: pd.DataFrame, *, require_target: bool, source: str = "data"
) -> pd.DataFrame:
    """Validate a parsed frame; raise ``DataError`` with one line for the first failing column."""
    try:
        return raw_schema(require_target=require_target).validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        if cases["column"].isna().all():  # a check of the whole frame, e.g. a missing column
            first = cases.iloc[0]
            raise DataError(f"{source}: failed {first['check']}: {first['failure_case']}") from None
        cases = cases[cases["column"].notna()]
        column = str(cases["column"].iloc[0])
        rows = cases[cases["column"] == column]
        bad = pd.Series(rows["failure_case"].to_numpy(), index=rows["index"].to_numpy())
        bad = bad[~bad.index.duplicated()]
        others = cases["column"].nunique() - 1
        message = describe_failure(column, bad, len(frame), _expectation(column), source=source)
        if others:
            message += f" (+{others} more invalid column{'s' if others > 1 else ''})"
        raise DataError(message) from None
