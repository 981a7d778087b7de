"""The batch reader and writer: formats by extension, a bounded header read."""

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from {{ cookiecutter.package_name }}.data import io
from {{ cookiecutter.package_name }}.data.io import (
    BatchReader,
    BatchWriter,
    read_header,
)
from {{ cookiecutter.package_name }}.data.load import load_raw
from {{ cookiecutter.package_name }}.errors import DataError


@pytest.fixture
def no_newline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A 3 MiB file without a line break, read with a 64 KiB header bound."""
    monkeypatch.setattr(io, "HEADER_LIMIT", 1 << 16)
    path = tmp_path / "one-line.csv"
    path.write_bytes(b"customerID" + b",x" * (3 << 19))
    return path


def test_a_file_without_a_line_break_is_refused_after_a_bounded_read(no_newline: Path) -> None:
    with pytest.raises(DataError, match=r"one-line\.csv: no line break in the first 65,536 bytes"):
        read_header(no_newline)


@pytest.mark.parametrize("read", [load_raw, lambda path: list(BatchReader(path).batches(10))])
def test_both_readers_refuse_it_in_one_line(
    no_newline: Path, read: Callable[[Path], object]
) -> None:
    with pytest.raises(DataError) as error:
        read(no_newline)
    assert "no line break" in str(error.value)
    assert "\n" not in str(error.value)


def test_a_header_without_a_line_break_within_the_bound_is_read(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_bytes(b"\xef\xbb\xbfcustomerID,gender")  # a byte-order mark, no newline
    assert read_header(path) == ["customerID", "gender"]


@pytest.mark.parametrize("name", ["x.csv", "x.CSV", "x.parquet", "x.pq"])
def test_the_format_is_named_by_the_extension(tmp_path: Path, name: str) -> None:
    expected = "csv" if name.lower().endswith(".csv") else "parquet"
    assert BatchReader(tmp_path / name).kind == BatchWriter(tmp_path / name).kind == expected


@pytest.mark.parametrize("name", ["scored.parquet", "scored.csv"])
def test_a_failed_write_leaves_no_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    schema = pa.schema([("customerID", pa.string())])

    def write_then_fail() -> None:
        with BatchWriter(path).open(schema) as write:
            write(pa.record_batch([pa.array(["a"])], schema=schema))
            raise RuntimeError("scoring failed")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert list(tmp_path.iterdir()) == []


def test_rows_from_start_to_stop_are_read_across_parquet_row_groups(
    tmp_path: Path, raw_frame: pd.DataFrame
) -> None:
    path = tmp_path / "raw.parquet"
    raw_frame.head(100).to_parquet(path, row_group_size=30)
    reader = BatchReader(path)
    batches = list(reader.batches(7, start=25, stop=64))
    ids = [value for batch in batches for value in batch.column("customerID").to_pylist()]
    assert reader.count_rows() == 100
    assert max(batch.num_rows for batch in batches) <= 7
    assert ids == raw_frame["customerID"].iloc[25:64].tolist()
