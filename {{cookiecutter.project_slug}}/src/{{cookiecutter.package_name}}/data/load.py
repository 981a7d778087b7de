"""Read the raw IBM Telco CSV exactly as published and parse it into typed columns."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .io import ENCODING, check_file, read_header, unreadable_csv
from .schema import (
    BLANK_ALLOWED,
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    NUMERIC_RANGES,
    TARGET_COLUMN,
    YES,
)
from .validate import check_unique_ids, describe_failure, require_columns, validate_parsed

#: The first bytes of every Parquet file.
_PARQUET_MAGIC = b"PAR1"
_READ_OPTIONS = {
    "dtype": str,
    "keep_default_na": False,
    "na_filter": False,
    "encoding": ENCODING,
}
_CSV_ERRORS = (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, csv.Error)


def _check_csv(path: Path) -> None:
    check_file(path)
    with path.open("rb") as handle:
        if handle.read(len(_PARQUET_MAGIC)) == _PARQUET_MAGIC:
            raise DataError(
                f"{path}: a Parquet file; this command reads the raw Telco CSV "
                "(only `predict` reads Parquet)"
            )


def _check_row_lengths(path: Path, raw: pd.DataFrame) -> None:
    """Raise ``DataError`` naming the first row with fewer or more fields than the header.

    The parser takes a first data row's extra fields as an index, and refuses them in a
    later row. It pads a short row with blanks; a valid file never has a blank last
    column (``Churn`` or a number), so the file is read again only when one is blank.
    """
    width = len(raw.columns)
    if not isinstance(raw.index, pd.RangeIndex):
        fields = raw.index.nlevels + width
        raise DataError(f"{path}: data row 1 has {fields} fields; the header has {width}")
    if raw.empty or not (raw.iloc[:, -1] == "").any():
        return
    with path.open(encoding=ENCODING, newline="") as handle:
        rows = (fields for fields in csv.reader(handle) if fields)  # blank lines are skipped
        try:
            next(rows, None)
            for number, fields in enumerate(rows, start=1):
                if len(fields) < width:
                    raise DataError(
                        f"{path}: data row {number} has {len(fields)} fields; "
                        f"the header has {width}"
                    )
        except csv.Error as exc:  # e.g. a field longer than the csv module's limit
            raise unreadable_csv(path, exc) from None


def read_raw(path: Path) -> pd.DataFrame:
    """Read a raw CSV with every value kept as the text in the file."""
    _check_csv(path)
    require_columns(read_header(path), (), str(path))
    try:
        raw = pd.read_csv(path, **_READ_OPTIONS)
    except _CSV_ERRORS as exc:
        raise unreadable_csv(path, exc) from None
    _check_row_lengths(path, raw)
    return raw


def _to_number(raw: pd.DataFrame, column: str, source: str) -> pd.Series:
    values = raw[column]
    if pd.api.types.is_numeric_dtype(values):  # a typed (Parquet) column: null is blank
        blank = values.isna()
    else:
        text = values.astype(str).str.strip()
        blank = text == ""
        try:  # Arrow's cast is fast; one bad value sends the column through the slow path
            values = text.where(~blank).astype("float64")
        except (ValueError, TypeError):
            values = pd.to_numeric(text.where(~blank), errors="coerce")
    values = values.astype("float64")
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
    1 for "Yes" and 0 for "No". Extra columns are ignored. Labelled rows (``require_target``:
    data to train or evaluate on) must have unique ``customerID``s, so no customer counts
    twice or lands in both the training and the hold-out rows; customers to score may repeat.
    """
    required = (ID_COLUMN, *FEATURE_COLUMNS) + ((TARGET_COLUMN,) if require_target else ())
    require_columns(list(raw.columns), required, source)
    parsed = pd.DataFrame(index=raw.index)
    ids = raw[ID_COLUMN]  # text; a typed (Parquet) column's numbers become text too
    parsed[ID_COLUMN] = ids.astype(str).astype(object).where(ids.notna(), None)
    for column in FEATURE_COLUMNS:
        if column in CATEGORICAL_LEVELS:
            parsed[column] = raw[column].astype("category")
        else:
            parsed[column] = _to_number(raw, column, source)
    if require_target:
        parsed[TARGET_COLUMN] = _to_target(raw, source)
    validated = validate_parsed(parsed, require_target=require_target, source=source)
    if require_target:
        check_unique_ids(validated, source)
    return validated


def load_raw(path: Path, *, require_target: bool = True) -> pd.DataFrame:
    """Read and parse a raw Telco CSV; the file itself is never modified."""
    return parse_raw(read_raw(path), require_target=require_target, source=str(path))


def check_both_classes(frame: pd.DataFrame, source: str, minimum: int = 2, why: str = "") -> None:
    """Raise ``DataError`` unless each target class has at least ``minimum`` rows (for ``why``)."""
    counts = frame[TARGET_COLUMN].value_counts()
    churned, stayed = int(counts.get(1, 0)), int(counts.get(0, 0))
    if min(churned, stayed) < minimum:
        raise DataError(
            f"{source}: column '{TARGET_COLUMN}' needs at least {minimum} 'Yes' and {minimum} "
            f"'No' rows{why}, found {churned} 'Yes' and {stayed} 'No'"
        )


def load_labelled(path: Path) -> pd.DataFrame:
    """Read and parse a labelled raw CSV that holds at least one row of each class."""
    frame = load_raw(path)
    check_both_classes(frame, str(path), minimum=1)
    return frame


def split_xy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Return the model inputs and the 0/1 target of a parsed frame."""
    return frame.loc[:, list(FEATURE_COLUMNS)], frame[TARGET_COLUMN]
