"""Stream CSV or Parquet record batches in and out with pyarrow, in bounded memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..data.load import Format, file_format, read_header, unreadable_csv
from ..data.schema import CATEGORICAL_FEATURES, FEATURE_COLUMNS, ID_COLUMN
from ..data.validate import require_columns
from ..errors import DataError

#: The columns scoring reads; any others (``Churn``, extras) are skipped unread.
INPUT_COLUMNS = (ID_COLUMN, *FEATURE_COLUMNS)
#: Bytes of CSV parsed per block: about 200 bytes a row, between 1 MiB and 64 MiB.
_ROW_BYTES, _MIN_BLOCK, _MAX_BLOCK = 200, 1 << 20, 1 << 22
#: Categorical columns are read dictionary-encoded: a few levels, one small index each.
_CATEGORIES = dict.fromkeys(CATEGORICAL_FEATURES, pa.dictionary(pa.int32(), pa.string()))


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise DataError(f"data file not found: {path}")


def _open_csv(path: Path, chunk_size: int, columns: tuple[str, ...]) -> pa_csv.CSVStreamingReader:
    header = read_header(path)
    require_columns(header, columns, str(path))
    block = min(max(chunk_size * _ROW_BYTES, _MIN_BLOCK), _MAX_BLOCK)
    try:
        return pa_csv.open_csv(
            path,
            read_options=pa_csv.ReadOptions(block_size=block),
            convert_options=pa_csv.ConvertOptions(
                column_types={**dict.fromkeys(header, pa.string()), **_CATEGORIES},
                include_columns=list(columns),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise unreadable_csv(path, exc) from None


def _parquet(path: Path) -> pq.ParquetFile:
    """Open a Parquet file that has the scoring columns (each named once), categories as codes."""
    try:
        names = pq.read_schema(path).names
        # Checked first: a missing column read as a dictionary would raise a bare KeyError.
        require_columns(names, INPUT_COLUMNS, str(path))
        return pq.ParquetFile(path, read_dictionary=list(CATEGORICAL_FEATURES))
    except (pa.ArrowInvalid, OSError) as exc:
        reason = " ".join(str(exc).split())
        raise DataError(f"{path}: not a readable Parquet file ({reason})") from None


def count_rows(path: Path) -> int:
    """Return the number of data rows (Parquet: from its footer; CSV: one light pass)."""
    _check_file(path)
    if file_format(path, "--input") == "parquet":
        return int(_parquet(path).metadata.num_rows)
    return sum(batch.num_rows for batch in _read_csv(path, 1 << 16, (ID_COLUMN,)))


def shard_bounds(rows: int, index: int, count: int) -> tuple[int, int]:
    """Return the half-open row range ``[start, stop)`` of shard ``index`` of ``count``."""
    return index * rows // count, (index + 1) * rows // count


def _read_csv(path: Path, chunk_size: int, columns: tuple[str, ...]) -> Iterator[pa.RecordBatch]:
    reader = _open_csv(path, chunk_size, columns)
    try:
        yield from reader
    except pa.ArrowInvalid as exc:
        raise unreadable_csv(path, exc) from None


def _read_parquet(
    path: Path, chunk_size: int, start: int, stop: int | None
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Yield ``(first row, batch)`` from the row groups that overlap ``[start, stop)``."""
    parquet = _parquet(path)
    groups, offsets, at = [], [], 0
    for group in range(parquet.num_row_groups):
        size = parquet.metadata.row_group(group).num_rows
        if at + size > start and (stop is None or at < stop):
            groups.append(group)
            offsets.append(at)
        at += size
    if not groups:
        return
    at = offsets[0]
    for batch in parquet.iter_batches(chunk_size, groups, list(INPUT_COLUMNS)):
        yield at, batch
        at += batch.num_rows


def batch_reader(
    path: Path, chunk_size: int, *, start: int = 0, stop: int | None = None
) -> Iterator[pa.RecordBatch]:
    """Yield rows ``[start, stop)`` of a CSV or Parquet file in batches of ``chunk_size``.

    Values of a CSV are kept as text; only the ID and feature columns are read.
    """
    _check_file(path)
    if file_format(path, "--input") == "parquet":
        located: Iterator[tuple[int, pa.RecordBatch]] = _read_parquet(path, chunk_size, start, stop)
    else:
        located = _with_offsets(_read_csv(path, chunk_size, INPUT_COLUMNS))
    for at, batch in located:
        low, high = max(start - at, 0), batch.num_rows
        if stop is not None:
            high = min(high, stop - at)
        for offset in range(low, high, chunk_size):
            yield batch.slice(offset, min(chunk_size, high - offset))
        if stop is not None and at + batch.num_rows >= stop:
            return


def _with_offsets(batches: Iterator[pa.RecordBatch]) -> Iterator[tuple[int, pa.RecordBatch]]:
    at = 0
    for batch in batches:
        yield at, batch
        at += batch.num_rows


@contextmanager
def batch_writer(
    path: Path, kind: Format, schema: pa.Schema
) -> Iterator[Callable[[pa.RecordBatch], None]]:
    """Yield a function that appends record batches to a new CSV or Parquet file."""
    parquet = kind == "parquet"
    writer = pq.ParquetWriter(path, schema) if parquet else pa_csv.CSVWriter(path, schema)
    try:
        yield writer.write_batch
    finally:
        writer.close()
