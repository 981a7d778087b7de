"""Read raw customers with Spark as text, and write Parquet that appears only when complete."""

from __future__ import annotations

import os
import re
import shutil
import sys
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlparse

from py4j.protocol import Py4JJavaError
from pyspark.errors import AnalysisException, PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as sf

from ..errors import DataError, OutputError

#: The ``--format`` that reads a table name (Hive, Unity Catalog, a temporary view).
TABLE = "table"
#: Spark's messages start with their error class, e.g. ``[PATH_NOT_FOUND] Path does not ...``.
_ERROR_CLASS = re.compile(r"\[[A-Z][A-Z_.]*\] .*")


def session(master: str | None = None, settings: Mapping[str, str] | None = None) -> SparkSession:
    """Return the running Spark session, or start one (master: spark-submit's, else local[*])."""
    # Spark's Python workers run $PYSPARK_PYTHON, else `python3` on PATH: default to this
    # interpreter, so that they import this package as the driver does.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("churn-scoring")
    if master:
        builder = builder.master(master)
    # Quiet by default, so an error is the command's one line: Spark would log a failed
    # task's traceback and a missing path's Java stack, and leave its progress bar unended.
    # `--conf spark.log.level=WARN --conf spark.ui.showConsoleProgress=true` shows them.
    quiet = {"spark.log.level": "FATAL", "spark.ui.showConsoleProgress": "false"}
    return builder.config(map={**quiet, **(settings or {})}).getOrCreate()


def input_format(source: str, given: str | None = None) -> str:
    """Return the reader's format: ``given``, else csv for a ``.csv`` path, else parquet."""
    if given:
        return given.lower()
    return "csv" if source.lower().endswith(".csv") else "parquet"


def read_text(spark: SparkSession, source: str, fmt: str) -> DataFrame:
    """Return every column of a path or table as its text, a null as ``""`` (the raw format).

    CSV is read as RFC 4180 (a quote escapes a quote), with no type inference and no
    trimming, so a blank ``TotalCharges`` stays a space, as in the file.
    """
    path = None if fmt == TABLE else local_path(spark, source)
    where = source if path is None else str(path)
    try:
        if fmt == TABLE:
            frame = spark.read.table(source)
        elif fmt == "csv":
            frame = spark.read.csv(where, header=True, escape='"', encoding="UTF-8")
        else:
            frame = spark.read.format(fmt).load(where)
    except (PySparkException, Py4JJavaError) as exc:  # Py4J: a Java error PySpark has no type for
        found = _ERROR_CLASS.search(str(exc))
        reason = found[0] if found else (str(exc).splitlines() or [type(exc).__name__])[0]
        raise DataError(
            f"{source}: cannot read as {fmt} (--format names the reader): {reason[:300]}"
        ) from None
    return frame.select(
        *(
            sf.coalesce(sf.col(f"`{name}`").cast("string"), sf.lit("")).alias(name)
            for name in frame.columns
        )
    )


def local_path(spark: SparkSession, location: str) -> Path | None:
    """Return ``location`` as an absolute local path when the driver's disk holds it, else None.

    Absolute, since Spark resolves a relative path from the directory its JVM started in.
    """
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(parsed.path).absolute()
    local = (spark.sparkContext.master or "").startswith("local")
    return Path(location).absolute() if not parsed.scheme and local else None


def write_parquet(
    frame: DataFrame, output: str, partition_by: Sequence[str] = (), overwrite: bool = False
) -> str:
    """Write ``frame`` as a Parquet folder at ``output``, and return where; a failure leaves none.

    A local output is written to a hidden folder beside it, then renamed into place. On a
    cluster's file system (``s3a://``, ``abfss://``, ``gs://``, ``hdfs://``), Spark's output
    committer publishes the files only when every task has succeeded, then ``_SUCCESS``.
    """
    writer = frame.write.partitionBy(*partition_by)
    path = local_path(frame.sparkSession, output)
    if path is None:
        try:
            writer.mode("overwrite" if overwrite else "errorifexists").parquet(output)
        except AnalysisException as exc:
            raise OutputError(f"{output}: {str(exc).splitlines()[0]}") from None
        return output
    if path.exists() and not overwrite:
        raise OutputError(f"{output} already exists; pass --overwrite to replace it")
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        writer.parquet(str(staging))
        if path.exists():
            old = staging.with_suffix(".old")
            os.replace(path, old)
            os.replace(staging, path)
            _remove(old)
        else:
            os.replace(staging, path)
    finally:
        _remove(staging)
    return str(path)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()
