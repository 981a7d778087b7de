"""Spark scoring in local[2] equals `predict` row for row; bad data stops it, leaving no output."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from pyspark.sql import SparkSession
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.data import spark_io
from {{ cookiecutter.package_name }}.data.spark_io import session
from {{ cookiecutter.package_name }}.data.synthetic import generate
from {{ cookiecutter.package_name }}.pipelines import batch_inference
from {{ cookiecutter.package_name }}.pipelines.spark_scoring import ModelFiles

runner = CliRunner()


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    """A local Spark with two cores; small input splits, so a file spans several partitions."""
    started = session(
        "local[2]",
        {
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.sql.files.maxPartitionBytes": "128k",
        },
    )
    yield started
    started.stop()


@pytest.fixture
def project(tmp_path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory whose settings point at the session's trained model."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    settings = {"paths": {"models_dir": str(models_dir)}}
    (tmp_path / "configs" / "config.yaml").write_text(yaml.safe_dump(settings))
    return tmp_path


def customers(rows: int) -> pd.DataFrame:
    """Synthetic raw customers, the first three new ones with a blank TotalCharges."""
    frame = generate(rows, seed=11)
    frame.loc[:2, ["tenure", "TotalCharges"]] = ["0", " "]
    return frame


def predict(source: Path, output: str) -> pd.DataFrame:
    """Score ``source`` with the single-machine `predict` and return its output."""
    result = runner.invoke(app, ["predict", "--input", str(source), "--output", output])
    assert result.exit_code == 0, result.output
    return pd.read_parquet(output)


def spark_score(*args: str) -> pd.DataFrame:
    """Run `spark-score` and return its output (read back in part-file order)."""
    result = runner.invoke(app, ["spark-score", *args])
    assert result.exit_code == 0, result.output
    return pd.read_parquet(args[args.index("--output") + 1])


def assert_same_scores(spark_output: pd.DataFrame, single: pd.DataFrame) -> None:
    """The same customers in the same order, probabilities to 1e-9, the same labels."""
    assert list(spark_output.columns) == batch_inference.OUTPUT_SCHEMA.names
    assert spark_output["customerID"].tolist() == single["customerID"].tolist()
    np.testing.assert_allclose(
        spark_output["churn_probability"], single["churn_probability"], rtol=0, atol=1e-9
    )
    assert spark_output["churn"].tolist() == single["churn"].tolist()


def test_spark_scores_equal_predict_row_for_row(spark: SparkSession, project: Path) -> None:
    source = project / "customers.csv"
    customers(6_000).to_csv(source, index=False)
    assert spark.read.csv(str(source), header=True).rdd.getNumPartitions() > 1

    scored = spark_score("--input", str(source), "--output", "scored")

    assert_same_scores(scored, predict(source, "single.parquet"))
    written = pq.read_schema(next(Path("scored").glob("*.parquet")))
    assert written.equals(batch_inference.OUTPUT_SCHEMA)


def test_a_table_scores_as_its_file(spark: SparkSession, project: Path) -> None:
    frame = customers(500)
    frame.to_csv(project / "customers.csv", index=False)
    spark.createDataFrame(frame).createOrReplaceTempView("customers")

    scored = spark_score("--input", "customers", "--format", "table", "--output", "scored")

    assert_same_scores(scored, predict(project / "customers.csv", "single.parquet"))


def test_a_partitioned_output_holds_the_same_rows(spark: SparkSession, project: Path) -> None:
    source = project / "customers.csv"
    customers(500).to_csv(source, index=False)
    args = ("--input", str(source), "--output", "scored", "--partition-by", "churn")

    result = runner.invoke(app, ["spark-score", *args])

    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in Path("scored").glob("churn=*")) == [
        "churn=false",
        "churn=true",
    ]
    scored = pd.read_parquet("scored").sort_values("customerID")
    single = predict(source, "single.parquet").sort_values("customerID")
    assert scored["churn_probability"].tolist() == single["churn_probability"].tolist()


@pytest.mark.parametrize(
    ("column", "value"),
    [("InternetService", "Fiber"), ("tenure", "twelve"), ("Contract", None)],
    ids=["unknown-level", "not-a-number", "missing-column"],
)
def test_bad_data_stops_spark_with_the_error_of_predict(
    spark: SparkSession, project: Path, column: str, value: str | None
) -> None:
    frame = customers(300)
    if value is None:
        frame = frame.drop(columns=column)
    else:
        frame.loc[41, column] = value
    source = project / "customers.csv"
    frame.to_csv(source, index=False)

    result = runner.invoke(app, ["spark-score", "--input", str(source), "--output", "scored"])
    single = runner.invoke(app, ["predict", "--input", str(source), "--output", "single.csv"])

    assert result.exit_code == single.exit_code == 1
    assert result.stderr == single.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert column in result.stderr
    assert sorted(path.name for path in project.iterdir()) == ["configs", "customers.csv"]


def _spark_score_command(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `spark-score` as a user does, in a process (and a Spark) of its own."""
    command = [sys.executable, "-m", "{{ cookiecutter.package_name }}", "spark-score", *args]
    return subprocess.run(
        command,
        cwd=project,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _noise(stderr: str) -> list[str]:
    """Return the lines of a Python traceback or a Java stack among a command's output."""
    return [line for line in stderr.splitlines() if "Traceback" in line or line.startswith("\tat ")]


def test_on_the_terminal_a_bad_value_is_one_line_without_spark_s_logs(project: Path) -> None:
    """Spark's own logs stay quiet (a failed task's traceback, Java stacks, the progress
    bar), so the error stands alone on the last line, as `predict` prints it."""
    frame = customers(300)
    frame.loc[41, "Contract"] = "Weekly"
    frame.to_csv(project / "customers.csv", index=False)

    args = ["--master", "local[1]", "--input", "customers.csv", "--output", "scored"]
    proc = _spark_score_command(project, *args)

    assert proc.returncode == 1, proc.stderr
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("error: ")
    assert "'Contract'" in last
    assert "'Weekly'" in last
    assert not _noise(proc.stderr), proc.stderr


def test_spark_that_cannot_start_is_one_line(project: Path) -> None:
    proc = _spark_score_command(
        project, "--input", "customers.csv", "--output", "scored", JAVA_HOME="/nonexistent"
    )

    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1].startswith("error: Spark did not start")
    assert not _noise(proc.stderr), proc.stderr


def test_without_pyspark_spark_score_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wheel installed without the `spark` extra: one line naming it, no traceback."""
    for name in list(sys.modules):
        if name.split(".")[0] == "pyspark" or name.endswith(".data.spark_io"):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as if not installed

    result = runner.invoke(app, ["spark-score", "--input", "x.csv", "--output", "scored"])

    assert result.exit_code == 1
    assert "`spark` extra" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_without_a_trained_model_spark_does_not_start(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "configs" / "config.yaml").write_text("paths: {models_dir: no-models}\n")
    monkeypatch.setattr(spark_io, "session", pytest.fail)  # Spark takes seconds to start

    result = runner.invoke(app, ["spark-score", "--input", "x.csv", "--output", "scored"])

    assert result.exit_code == 1
    assert "no-models" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_value_in_a_later_partition_is_named_with_it(
    spark: SparkSession, project: Path
) -> None:
    frame = customers(6_000)
    frame.loc[5_990, "tenure"] = "twelve"
    source = project / "customers.csv"
    frame.to_csv(source, index=False)

    result = runner.invoke(app, ["spark-score", "--input", str(source), "--output", "scored"])

    assert result.exit_code == 1
    assert "(Spark partition " in result.stderr
    assert "'tenure'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(path.name for path in project.iterdir()) == ["configs", "customers.csv"]


@pytest.mark.parametrize(
    ("name", "reader"),
    [("customers.parquet", ()), ("customers.csv", ("--format", "xls"))],
    ids=["csv-named-parquet", "unknown-format"],
)
def test_an_input_spark_cannot_read_is_one_line(
    spark: SparkSession, project: Path, name: str, reader: tuple[str, ...]
) -> None:
    customers(50).to_csv(project / name, index=False)

    result = runner.invoke(app, ["spark-score", "--input", name, "--output", "scored", *reader])

    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: {name}: cannot read as ")
    assert "--format" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (project / "scored").exists()


def test_an_existing_output_is_kept_unless_overwrite(spark: SparkSession, project: Path) -> None:
    source = project / "customers.csv"
    customers(200).to_csv(source, index=False)
    args = ["spark-score", "--input", str(source), "--output", "scored"]
    assert runner.invoke(app, args).exit_code == 0

    refused = runner.invoke(app, args)
    replaced = runner.invoke(app, [*args, "--overwrite"])

    assert refused.exit_code == 1
    assert "--overwrite" in refused.stderr
    assert replaced.exit_code == 0, replaced.output
    assert len(pd.read_parquet("scored")) == 200
    assert sorted(path.name for path in project.iterdir()) == ["configs", "customers.csv", "scored"]


def test_each_process_loads_the_model_once(models_dir: Path) -> None:
    model = ModelFiles.read(models_dir)
    assert model.predictor() is model.predictor()
