"""Score a path or table on Apache Spark with the scorer of `predict`, batch by batch."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark import Broadcast, TaskContext
from pyspark.sql import DataFrame, SparkSession

from ..data.load import parse_raw
from ..data.schema import FEATURE_COLUMNS, ID_COLUMN
from ..data.spark_io import input_format, read_text, write_parquet
from ..errors import DataError
from ..inference.predictor import Predictor, load_predictor
from ..models.predict import churn_labels
from ..registry.artifacts import version_folder
from .batch_inference import OUTPUT_SCHEMA

#: Spark's names of the Arrow types in ``OUTPUT_SCHEMA``, the columns `predict` writes.
_SPARK_TYPES = {"string": "string", "double": "double", "bool": "boolean"}
OUTPUT_DDL = ", ".join(f"{field.name} {_SPARK_TYPES[str(field.type)]}" for field in OUTPUT_SCHEMA)
#: A ``DataError`` raised on an executor, as the last line of its traceback reads.
_EXECUTOR_ERROR = re.compile(
    rf"^{re.escape(DataError.__module__)}\.{DataError.__name__}: (.+)$", re.MULTILINE
)

#: Each Python worker's predictor, built once from the broadcast files (key: the version).
_PREDICTORS: dict[str, Predictor] = {}


@dataclass(frozen=True)
class ModelFiles:
    """A model version's files as bytes: sent once to each executor, as a broadcast."""

    version: str
    files: dict[str, bytes]

    @classmethod
    def read(cls, models_dir: Path) -> ModelFiles:
        """Read the production version (or the version folder given), checked by loading it."""
        folder = version_folder(models_dir)
        load_predictor(folder)  # checksums and metadata: fail on the driver, before any job
        files = {
            path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }
        return cls(folder.name, files)

    def predictor(self) -> Predictor:
        """Return this process's predictor of the version, loading it on first use."""
        if self.version not in _PREDICTORS:
            with tempfile.TemporaryDirectory(prefix="churn-model-") as root:
                folder = Path(root) / self.version
                for name, content in self.files.items():
                    (folder / name).parent.mkdir(parents=True, exist_ok=True)
                    (folder / name).write_bytes(content)
                # One thread: Spark already runs one Python worker per core.
                _PREDICTORS[self.version] = load_predictor(folder, threads=1)
        return _PREDICTORS[self.version]


@dataclass(frozen=True)
class SparkResult:
    """How many rows were scored, where they went, and by which model."""

    rows: int
    output: str
    model_version: str


def score_batches(
    batches: Iterator[pd.DataFrame], model: Broadcast[ModelFiles], source: str, named: bool
) -> Iterator[pd.DataFrame]:
    """Validate and score each pandas batch of raw text, as `predict` does each chunk.

    A bad value raises `predict`'s one-line ``DataError``; its data row counts from the
    start of the Spark partition, which the message names when there are several.
    """
    predictor = model.value.predictor()
    task = TaskContext.get()
    where = f"{source} (Spark partition {task.partitionId()})" if named and task else source
    first = 0
    for raw in batches:
        raw.index = pd.RangeIndex(first, first + len(raw))
        parsed = parse_raw(raw, require_target=False, source=where)
        probabilities = predictor.predict_frame(parsed)
        yield pd.DataFrame(
            {
                OUTPUT_SCHEMA.names[0]: parsed[ID_COLUMN],
                OUTPUT_SCHEMA.names[1]: np.round(probabilities, 6),
                OUTPUT_SCHEMA.names[2]: churn_labels(probabilities, predictor.threshold),
            }
        )
        first += len(raw)


def scores(raw: DataFrame, model: Broadcast[ModelFiles], source: str) -> DataFrame:
    """Return the (lazy) output rows of ``raw``: ``customerID, churn_probability, churn``."""
    named = raw.rdd.getNumPartitions() > 1
    return raw.mapInPandas(
        partial(score_batches, model=model, source=source, named=named), OUTPUT_DDL
    )


def executor_error(error: Exception) -> DataError | None:
    """Return the ``DataError`` an executor raised, from the job's error, if it was one."""
    found = _EXECUTOR_ERROR.findall(str(error))
    return DataError(found[-1]) if found else None


def read_customers(spark: SparkSession, source: str, fmt: str | None = None) -> DataFrame:
    """Return the ID and feature columns of a path or table as text, checked on the driver."""
    raw = read_text(spark, source, input_format(source, fmt))
    parse_raw(pd.DataFrame(columns=raw.columns, dtype=object), require_target=False, source=source)
    return raw.select(ID_COLUMN, *FEATURE_COLUMNS)


def score_customers(
    raw: DataFrame,
    source: str,
    output: str,
    models_dir: Path,
    *,
    partition_by: Sequence[str] = (),
    overwrite: bool = False,
) -> SparkResult:
    """Write ``customerID, churn_probability, churn`` for every row of ``raw`` (from ``source``).

    Each executor receives the production model's files once, then validates and scores
    its batches; the output appears only if every batch passes.
    """
    if output == source:
        raise DataError(
            f"{output}: the output must differ from the input; input data is never modified"
        )
    unknown = [name for name in partition_by if name not in OUTPUT_SCHEMA.names]
    if unknown:
        raise DataError(
            f"--partition-by {unknown[0]}: not an output column ({', '.join(OUTPUT_SCHEMA.names)})"
        )
    model = ModelFiles.read(models_dir)
    shared = raw.sparkSession.sparkContext.broadcast(model)
    try:
        written = write_parquet(scores(raw, shared, source), output, partition_by, overwrite)
    except Exception as exc:
        raised = executor_error(exc)
        if raised is None:
            raise
        raise raised from None
    finally:
        shared.destroy()
    rows = raw.sparkSession.read.parquet(written).count()  # from the Parquet footers
    return SparkResult(rows=rows, output=output, model_version=model.version)
