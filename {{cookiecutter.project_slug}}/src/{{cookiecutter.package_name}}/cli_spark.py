"""The `spark-score` command: score a path or table on Apache Spark into Parquet."""

from __future__ import annotations

from typing import Annotated

import typer

from .cli_io import ConfigOption, console, fail, user_errors
from .config import load_config
from .registry.artifacts import version_folder


def spark_score(
    input_path: Annotated[
        str,
        typer.Option(
            "--input",
            "-i",
            help="Raw-format file, folder or URI (s3a://, abfss://, gs://), or a table name.",
        ),
    ],
    output_path: Annotated[
        str, typer.Option("--output", "-o", help="Parquet folder or URI to write.")
    ],
    input_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv, parquet, orc, delta... or table (default: csv for *.csv, else parquet).",
        ),
    ] = None,
    partition_by: Annotated[
        list[str] | None, typer.Option(help="Partition the output by this column (e.g. churn).")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing output.")
    ] = False,
    master: Annotated[
        str | None, typer.Option(help="Spark master (default: spark-submit's, else local[*]).")
    ] = None,
    conf: Annotated[
        list[str] | None, typer.Option(help="A Spark setting KEY=VALUE (repeatable).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Score on Apache Spark with the model of `predict`: customerID, churn_probability, churn."""
    settings: dict[str, str] = {}
    for pair in conf or []:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise fail(f"--conf {pair}: expected KEY=VALUE")
        settings[key] = value
    with user_errors():
        models_dir = load_config(config).paths.models_dir
    try:
        from pyspark.errors import PySparkException

        from .data.spark_io import session
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] != "pyspark":
            raise
        raise fail("spark-score needs PySpark: install the project's `spark` extra") from None
    with user_errors():
        version_folder(models_dir)  # no model to score with: say so before Spark starts

    # Spark starts before pandera is imported: pandera, seeing PySpark, sets SPARK_LOCAL_IP
    # to 127.0.0.1, which a driver on a cluster must not bind to.
    try:
        spark = session(master, settings)
    except PySparkException as exc:  # e.g. no Java, or a --master it cannot reach
        raise fail(f"Spark did not start (check Java 17+ and --master): {exc}") from None
    from .pipelines.spark_scoring import read_customers, score_customers

    with user_errors():
        raw = read_customers(spark, input_path, input_format)
        result = score_customers(
            raw,
            input_path,
            output_path,
            models_dir,
            partition_by=partition_by or (),
            overwrite=overwrite,
        )
    console.print(
        f"Scored {result.rows:,} rows with model {result.model_version} into {result.output}"
    )
