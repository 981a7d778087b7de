"""The batch-inference flow: score a CSV or Parquet file of any size, one shard of it or all."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from ..data.io import BatchReader, BatchWriter
from ..data.load import parse_raw
from ..data.schema import ID_COLUMN
from ..errors import DataError
from ..inference.explain import TOP
from ..inference.predictor import load_predictor
from ..models.predict import churn_labels

#: The output columns: ``churn`` is a boolean, as in the API's JSON answers.
OUTPUT_SCHEMA = pa.schema(
    [(ID_COLUMN, pa.string()), ("churn_probability", pa.float64()), ("churn", pa.bool_())]
)
#: With ``explain``: the columns that raise each score most, largest first (null if fewer).
REASON_COLUMNS = [f"reason_{k}" for k in range(1, TOP + 1)]
EXPLAIN_SCHEMA = pa.schema(
    [*OUTPUT_SCHEMA, *(pa.field(name, pa.string()) for name in REASON_COLUMNS)]
)


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count``: a contiguous block of about 1/count of the rows."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        """Refuse an index outside ``0 .. count - 1``."""
        if self.count < 1 or not 0 <= self.index < self.count:
            raise DataError(f"must be from 0 to {self.count - 1} (of {self.count}): {self.index}")


@dataclass(frozen=True)
class BatchResult:
    """How many rows were scored, where they went, and by which model."""

    rows: int
    output: Path
    model_version: str


def _noop(_: int) -> None:
    """Ignore a progress count."""


def _shard_batches(
    reader: BatchReader, chunk_size: int, shard: Shard
) -> tuple[int, Iterator[pa.RecordBatch]]:
    """Return the shard's first data row and its batches of at most ``chunk_size`` rows."""
    if shard.count == 1:
        return 0, reader.batches(chunk_size)
    rows = reader.count_rows()
    start, stop = shard.index * rows // shard.count, (shard.index + 1) * rows // shard.count
    return start, reader.batches(chunk_size, start, stop)


def score_file(
    reader: BatchReader,
    writer: BatchWriter,
    models_dir: Path,
    chunk_size: int = 50_000,
    on_rows: Callable[[int], None] = _noop,
    threads: int = 0,
    shard: Shard = Shard(),
    explain: bool = False,
) -> BatchResult:
    """Write ``customerID, churn_probability, churn`` for every row of a raw-format file.

    With ``explain``, also ``reason_1`` to ``reason_3``: the feature columns whose values
    raise the customer's score most (empty where fewer raise it; ``inference/explain.py``).

    Input and output are CSV or Parquet, as ``reader`` and ``writer`` found by extension.
    The input is streamed ``chunk_size`` rows at a time with pyarrow, so memory stays
    bounded whatever its size; the output appears only when every row has been scored (an
    error leaves no partial file). With ``shard``, only that contiguous block of rows is
    scored: the shards' outputs concatenated in index order equal the whole file's output,
    row for row. Rows are scored with the ONNX export when there is one (``threads``
    intra-op threads, 0 for every core), else with the scikit-learn pipeline.
    """
    if writer.path.resolve() == reader.path.resolve():
        raise DataError(
            f"{writer.path}: the output must differ from the input; input data is never modified"
        )
    predictor = load_predictor(models_dir, threads=threads)
    first_row, batches = _shard_batches(reader, chunk_size, shard)
    rows = 0
    schema = EXPLAIN_SCHEMA if explain else OUTPUT_SCHEMA
    with writer.open(schema) as write:
        for batch in batches:
            raw = batch.to_pandas()
            raw.index = pd.RangeIndex(first_row + rows, first_row + rows + len(raw))
            frame = parse_raw(raw, require_target=False, source=str(reader.path))
            probabilities = predictor.predict_frame(frame)
            output = {
                ID_COLUMN: frame[ID_COLUMN].astype(str),
                "churn_probability": np.round(probabilities, 6),
                "churn": churn_labels(probabilities, predictor.threshold),
            }
            if explain:
                output.update(
                    zip(REASON_COLUMNS, predictor.explain_frame(frame).top(), strict=True)
                )
            write(pa.RecordBatch.from_pydict(output, schema=schema))
            rows += len(frame)
            on_rows(rows)
    return BatchResult(
        rows=rows,
        output=writer.path,
        model_version=predictor.version,
    )
