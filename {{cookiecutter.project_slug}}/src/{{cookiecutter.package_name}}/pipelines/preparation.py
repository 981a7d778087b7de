"""The data-preparation flow: validate the raw file and write the stratified hold-out split."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.model_selection import train_test_split

from ..config import Config
from ..data.load import check_both_classes, parse_raw, read_raw
from ..data.schema import TARGET_COLUMN
from ..errors import DataError
from ..files import atomic_path, sha256_file, write_json

VALIDATION_FILE = "validation.json"
TRAIN_FILE = "train.csv"
TEST_FILE = "test.csv"


@dataclass(frozen=True)
class HoldOut:
    """Parsed training and hold-out rows, the same rows as read, and their source file."""

    source: Path
    train: pd.DataFrame
    test: pd.DataFrame
    raw_train: pd.DataFrame
    raw_test: pd.DataFrame

    @property
    def rows(self) -> int:
        """Return the number of rows in both parts."""
        return len(self.train) + len(self.test)

    @property
    def churn_rate(self) -> float:
        """Return the share of churned customers over both parts."""
        churned = self.train[TARGET_COLUMN].sum() + self.test[TARGET_COLUMN].sum()
        return round(float(churned) / self.rows, 6)


def write_rows(raw: pd.DataFrame, path: Path) -> None:
    """Write rows in the raw format (as read, text unchanged) to a CSV atomically."""
    with atomic_path(path) as tmp:
        raw.to_csv(tmp, index=False)


def validate_raw(config: Config, data_path: Path | None = None) -> dict[str, Any]:
    """Validate the raw CSV and write its rows, columns and churn rate to the reports."""
    path = data_path or config.data.raw_path
    raw = read_raw(path)
    frame = parse_raw(raw, source=str(path))
    check_both_classes(frame, str(path))
    summary: dict[str, Any] = {
        "path": str(path),
        "rows": len(frame),
        "columns": len(raw.columns),
        "churn_rate": round(float(frame[TARGET_COLUMN].mean()), 6),
        "sha256": sha256_file(path),
    }
    write_json(config.paths.reports_dir / VALIDATION_FILE, summary)
    return summary


def split_raw(config: Config, data_path: Path | None = None, *, write: bool = True) -> HoldOut:
    """Split the raw CSV into stratified train and hold-out sets (files: see ``write_split``).

    ``write=False`` leaves the files for the caller to write once its run has succeeded.
    """
    path = data_path or config.data.raw_path
    raw = read_raw(path)
    frame = parse_raw(raw, source=str(path))
    check_both_classes(frame, str(path))
    try:
        train_index, test_index = train_test_split(
            frame.index,
            test_size=config.split.test_size,
            stratify=frame[TARGET_COLUMN],
            random_state=config.seed,
        )
    except ValueError as exc:  # too few rows for a stratified split of this size
        raise DataError(
            f"{path}: cannot make a stratified {config.split.test_size:.0%} hold-out set "
            f"from {len(frame)} rows ({exc})"
        ) from None
    hold_out = HoldOut(
        source=path,
        train=frame.loc[train_index],
        test=frame.loc[test_index],
        raw_train=raw.loc[train_index],
        raw_test=raw.loc[test_index],
    )
    check_both_classes(hold_out.test, f"{path}, hold-out rows", 1, " to evaluate on")
    if write:
        write_split(config, hold_out)
    return hold_out


def write_split(config: Config, hold_out: HoldOut) -> None:
    """Write the train and hold-out rows unchanged, in the raw format, to ``data.processed_dir``.

    Every later step then reads them with the same loader as the raw file.
    """
    write_rows(hold_out.raw_train, config.data.processed_dir / TRAIN_FILE)
    write_rows(hold_out.raw_test, config.data.processed_dir / TEST_FILE)


def read_split(config: Config) -> HoldOut:
    """Read the train and hold-out files that ``split_raw`` wrote."""
    train_path = config.data.processed_dir / TRAIN_FILE
    test_path = config.data.processed_dir / TEST_FILE
    for path in (train_path, test_path):
        if not path.is_file():
            raise DataError(f"no split at {path}; run `data split` first")
    raw_train, raw_test = read_raw(train_path), read_raw(test_path)
    train = parse_raw(raw_train, source=str(train_path))
    test = parse_raw(raw_test, source=str(test_path))
    check_both_classes(train, str(train_path))
    check_both_classes(test, str(test_path), minimum=1)
    return HoldOut(train_path, train, test, raw_train, raw_test)
