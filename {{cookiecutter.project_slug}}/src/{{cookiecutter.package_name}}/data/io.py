"""Read raw-format CSV or Parquet files in record batches and write results, by extension."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..errors import DataError
from ..files import atomic_path
from .schema import CATEGORICAL_FEATURES, FEATURE_COLUMNS, ID_COLUMN
from .validate import require_columns

Format = Literal["csv", "parquet"]
#: The formats by extension: ``predict`` reads and writes both, ``data generate`` writes both.
EXTENSIONS: dict[str, Format] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
#: Text as in the file; "utf-8-sig" also accepts a CSV re-saved with a byte-order mark.
ENCODING = "utf-8-sig"
#: The longest CSV header read: a file with no line break in it is refused unread.
HEADER_LIMIT = 1 << 20
#: The columns scoring reads; any others (``Churn``, extras) are skipped unread.
INPUT_COLUMNS = (ID_COLUMN, *FEATURE_COLUMNS)
#: Bytes of CSV parsed per block: about 200 bytes a row, between 1 MiB and 4 MiB.
_ROW_BYTES, _MIN_BLOCK, _MAX_BLOCK = 200, 1 << 20, 1 << 22
#: Categorical columns are read dictionary-encoded: a few levels, one small index each.
_CATEGORIES = dict.fromkeys(CATEGORICAL_FEATURES, pa.dictionary(pa.int32(), pa.string()))


def file_format(path: Path) -> Format:
    """Return the format named by a file's extension; refuse any other extension."""
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        known = ", ".join(EXTENSIONS)
        raise DataError(f"{path}: unknown extension {path.suffix!r}; use one of {known}")
    return found


def unreadable_csv(path: Path, exc: Exception) -> DataError:
    """Return the one-line error for a file the CSV parser refused (its message flattened)."""
    return DataError(f"{path}: not a readable CSV file ({' '.join(str(exc).split())})")


#: The first bytes of files often sent for a CSV, and what each one is.
_NOT_CSV = {
    b"\xff\xfe": "UTF-16 text (Excel's 'Unicode Text')",
    b"\xfe\xff": "UTF-16 text",
    b"\x1f\x8b": "gzip-compressed",
    b"PK\x03\x04": "a ZIP archive (an Excel workbook is one)",
}


def check_file(path: Path) -> None:
    """Raise ``DataError`` unless ``path`` is an existing regular file."""
    if path.is_file():
        return
    if not path.exists():
        raise DataError(f"data file not found: {path}")
    kind = "a folder" if path.is_dir() else "not a regular file (a pipe or a device)"
    raise DataError(f"{path}: {kind}; give a CSV or Parquet file")


def read_header(path: Path) -> list[str]:
    """Return the column names in a CSV's first line, reading at most ``HEADER_LIMIT`` bytes."""
    with path.open("rb") as handle:
        head = handle.read(HEADER_LIMIT + 1)
    for magic, kind in _NOT_CSV.items():
        if head.startswith(magic):
            raise DataError(f"{path}: {kind}; save it as a CSV file in UTF-8 (CSV UTF-8)")
    line, newline, _ = head.partition(b"\n")
    if b"\r" in line.rstrip(b"\r"):
        raise DataError(
            f"{path}: its lines end in a carriage return alone (an old Mac CSV); "
            "save it as a CSV file in UTF-8 (CSV UTF-8)"
        )
    if not newline and len(head) > HEADER_LIMIT:
        raise DataError(
            f"{path}: no line break in the first {HEADER_LIMIT:,} bytes; "
            "a CSV starts with one header line"
        )
    try:
        return next(csv.reader([line.decode(ENCODING).rstrip("\r")]), [])
    except (UnicodeDecodeError, csv.Error) as exc:
        raise unreadable_csv(path, exc) from None


@dataclass(frozen=True)
class BatchReader:
    """The ID and feature columns of a raw-format CSV or Parquet file, read in record batches.

    A CSV's values stay text and its categorical columns come dictionary-encoded; a Parquet
    file keeps its column types. Memory stays bounded whatever the file's size.
    """

    path: Path
    kind: Format = field(init=False)

    def __post_init__(self) -> None:
        """Detect the format from the extension (refusing any other)."""
        object.__setattr__(self, "kind", file_format(self.path))

    def _parquet(self) -> pq.ParquetFile:
        """Open the Parquet file once its scoring columns are known to be there."""
        try:
            # Checked first: a missing column read as a dictionary would raise a bare KeyError.
            require_columns(pq.read_schema(self.path).names, INPUT_COLUMNS, str(self.path))
            return pq.ParquetFile(self.path, read_dictionary=list(CATEGORICAL_FEATURES))
        except (pa.ArrowInvalid, OSError) as exc:
            reason = " ".join(str(exc).split())
            raise DataError(f"{self.path}: not a readable Parquet file ({reason})") from None

    def _csv(self, chunk_size: int, columns: tuple[str, ...]) -> Iterator[pa.RecordBatch]:
        header = read_header(self.path)
        require_columns(header, INPUT_COLUMNS, str(self.path))  # all, even to count the rows
        block = min(max(chunk_size * _ROW_BYTES, _MIN_BLOCK), _MAX_BLOCK)
        try:
            yield from pa_csv.open_csv(
                self.path,
                read_options=pa_csv.ReadOptions(block_size=block),
                convert_options=pa_csv.ConvertOptions(
                    column_types={**dict.fromkeys(header, pa.string()), **_CATEGORIES},
                    include_columns=list(columns),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise unreadable_csv(self.path, exc) from None

    def count_rows(self) -> int:
        """Return the number of data rows (Parquet: from its footer; CSV: one light pass)."""
        check_file(self.path)
        if self.kind == "parquet":
            return int(self._parquet().metadata.num_rows)
        return sum(batch.num_rows for batch in self._csv(1 << 16, (ID_COLUMN,)))

    def _located(self, chunk_size: int, start: int) -> Iterator[tuple[int, pa.RecordBatch]]:
        """Yield ``(first row, batch)``; of a Parquet file, only row groups from ``start``."""
        at = 0
        if self.kind == "csv":
            for batch in self._csv(chunk_size, INPUT_COLUMNS):
                yield at, batch
                at += batch.num_rows
            return
        parquet = self._parquet()
        groups: list[int] = []
        for group in range(parquet.num_row_groups):
            size = parquet.metadata.row_group(group).num_rows
            if at + size > start or groups:
                groups.append(group)
            else:
                at += size
        if groups:
            for batch in parquet.iter_batches(chunk_size, groups, list(INPUT_COLUMNS)):
                yield at, batch
                at += batch.num_rows

    def batches(
        self, chunk_size: int, start: int = 0, stop: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Yield data rows ``[start, stop)`` in batches of at most ``chunk_size`` rows."""
        check_file(self.path)
        for at, batch in self._located(chunk_size, start):
            low, high = max(start - at, 0), batch.num_rows
            if stop is not None:
                high = min(high, stop - at)
            for offset in range(low, high, chunk_size):
                yield batch.slice(offset, min(chunk_size, high - offset))
            if stop is not None and at + batch.num_rows >= stop:
                return


@dataclass(frozen=True)
class BatchWriter:
    """A CSV or Parquet file written from record batches; it appears only when complete."""

    path: Path
    kind: Format = field(init=False)

    def __post_init__(self) -> None:
        """Detect the format from the extension (refusing any other)."""
        object.__setattr__(self, "kind", file_format(self.path))

    @contextmanager
    def open(self, schema: pa.Schema) -> Iterator[Callable[[pa.RecordBatch], None]]:
        """Yield a function that appends batches; an error leaves no file, not even a part."""
        with atomic_path(self.path) as tmp:
            parquet = self.kind == "parquet"
            writer = pq.ParquetWriter(tmp, schema) if parquet else pa_csv.CSVWriter(tmp, schema)
            try:
                yield writer.write_batch
            finally:
                writer.close()
