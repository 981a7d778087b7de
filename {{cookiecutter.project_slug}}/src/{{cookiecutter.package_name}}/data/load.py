"""Read the raw IBM Telco CSV exactly as published and parse it into typed columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .schema import (
    BLANK_ALLOWED,
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    NUMERIC_RANGES,
    RAW_COLUMNS,
    TARGET_COLUMN,
    YES,
)
from .validate import describe_failure, validate_parsed

# Text as in the file; "utf-8-sig" also accepts a CSV re-saved with a byte-order mark.
_READ_OPTIONS = {
    "dtype": str,
    "keep_default_na": False,
    "na_filter": False,
    "encoding": "utf-8-sig",
}


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"data file not found: {path}")


def read_raw(path: Path) -> pd.DataFrame:
    """Read a raw CSV with every value kept as the text in the file."""
    _check_file(path)
    try:
        return pd.read_csv(path, **_READ_OPTIONS)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None


def iter_raw(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    """Yield a raw CSV in chunks of at most ``chunk_size`` rows, values kept as text."""
    _check_file(path)
    try:
        with pd.read_csv(path, chunksize=chunk_size, **_READ_OPTIONS) as reader:
            yield from reader
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc})") from None


def _check_columns(raw: pd.DataFrame, required: tuple[str, ...], source: str) -> None:
    missing = [column for column in required if column not in raw.columns]
    if missing:
        names = ", ".join(repr(column) for column in missing)
        raise DataError(
            f"{source}: missing column(s) {names}; expected the raw Telco columns "
            f"{', '.join(RAW_COLUMNS)}"
        )


def _to_number(raw: pd.DataFrame, column: str, source: str) -> pd.Series:
    text = raw[column].str.strip()
    blank = text == ""
    values = pd.to_numeric(text.where(~blank), errors="coerce").astype("float64")
    bad = values.isna() & ~blank
    if column not in BLANK_ALLOWED:
        bad |= blank
    if column in INTEGER_COLUMNS:
        bad |= values.notna() & (values != np.floor(values))
    if bad.any():
        low, high = NUMERIC_RANGES[column]
        kind = "a whole number" if column in INTEGER_COLUMNS else "a number"
        blank_note = " or blank" if column in BLANK_ALLOWED else ""
        raise DataError(
            describe_failure(
                column,
                raw.loc[bad, column],
                len(raw),
                f"must be {kind}{blank_note} from {low:g} to {high:g}",
                source=source,
            )
        )
    return values.astype("int64") if column in INTEGER_COLUMNS else values


def _to_target(raw: pd.DataFrame, source: str) -> pd.Series:
    text = raw[TARGET_COLUMN]
    bad = ~text.isin(("Yes", "No"))
    if bad.any():
        raise DataError(
            describe_failure(
                TARGET_COLUMN,
                text[bad],
                len(raw),
                "allowed: 'Yes', 'No'",
                source=source,
            )
        )
    return (text == YES).astype("int64")


def parse_raw(
    raw: pd.DataFrame,
    *,
    require_target: bool = True,
    source: str = "data",
) -> pd.DataFrame:
    """Turn a raw text frame into typed, validated columns; the input frame is not changed.

    ``TotalCharges`` is blank for customers with tenure 0 and becomes NaN; ``Churn`` becomes
    1 for "Yes" and 0 for "No". Extra columns are ignored.
    """
    required = (ID_COLUMN, *FEATURE_COLUMNS) + ((TARGET_COLUMN,) if require_target else ())
    _check_columns(raw, required, source)
    parsed = pd.DataFrame(index=raw.index)
    parsed[ID_COLUMN] = raw[ID_COLUMN].astype(object)
    for column in FEATURE_COLUMNS:
        if column in CATEGORICAL_LEVELS:
            parsed[column] = raw[column].astype(object)
        else:
            parsed[column] = _to_number(raw, column, source)
    if require_target:
        parsed[TARGET_COLUMN] = _to_target(raw, source)
    return validate_parsed(parsed, require_target=require_target, source=source)


def load_raw(path: Path, *, require_target: bool = True) -> pd.DataFrame:
    """Read and parse a raw Telco CSV; the file itself is never modified."""
    return parse_raw(read_raw(path), require_target=require_target, source=str(path))


def check_both_classes(frame: pd.DataFrame, source: str, minimum: int = 2) -> None:
    """Raise ``DataError`` unless each target class has at least ``minimum`` rows."""
    counts = frame[TARGET_COLUMN].value_counts()
    churned, stayed = int(counts.get(1, 0)), int(counts.get(0, 0))
    if min(churned, stayed) < minimum:
        raise DataError(
            f"{source}: column '{TARGET_COLUMN}' needs at least {minimum} 'Yes' and {minimum} "
            f"'No' rows, found {churned} 'Yes' and {stayed} 'No'"
        )


def split_xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Return the model inputs and the 0/1 target of a parsed frame."""
    return frame.loc[:, list(FEATURE_COLUMNS)], frame[TARGET_COLUMN]
