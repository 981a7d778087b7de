"""`make bench-spark`: rows/s of `spark-score` in local[2], of `predict`, and of the raw model."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame

from {{ cookiecutter.package_name }}.data import spark_io
from {{ cookiecutter.package_name }}.data.load import parse_raw
from {{ cookiecutter.package_name }}.data.synthetic import generate
from {{ cookiecutter.package_name }}.inference.predictor import load_predictor
from {{ cookiecutter.package_name }}.pipelines import spark_scoring

PACKAGE = "{{ cookiecutter.package_name }}"


def report(label: str, rows: int, seconds: float) -> None:
    """Print one result line: what, how long, rows per second."""
    print(f"{label:<40} {seconds:7.2f} s {rows / seconds:11,.0f} rows/s", flush=True)


def run_job(frame: DataFrame) -> float:
    """Return the seconds a job computing every row of ``frame`` takes, writing nothing."""
    start = time.perf_counter()
    frame.write.format("noop").mode("overwrite").save()
    return time.perf_counter() - start


def main() -> None:
    """Score the same synthetic file three ways, check they agree, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--models", type=Path, default=Path("models"))
    args = parser.parse_args()
    rows = args.rows
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as folder:
        work = Path(folder)
        source = work / "customers.csv"
        raw = generate(rows, seed=5).drop(columns=["Churn"])
        raw.to_csv(source, index=False)
        sample = work / "sample.csv"  # to warm Spark up
        raw.head(20_000).to_csv(sample, index=False)
        size = source.stat().st_size / 1e6
        print(f"{rows:,} synthetic customers: {size:.0f} MB of CSV", flush=True)

        parsed = parse_raw(raw, require_target=False)
        predictor = load_predictor(args.models, threads=0)
        start = time.perf_counter()
        predictor.predict_frame(parsed)
        report("raw model (parsed rows in memory)", rows, time.perf_counter() - start)
        del raw, parsed

        single = work / "single.parquet"
        command = [sys.executable, "-m", PACKAGE, "predict", "-i", str(source), "-o", str(single)]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        report("predict (a new process: read, score, write)", rows, time.perf_counter() - start)

        quiet = {"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false"}
        session = spark_io.session("local[2]", quiet)
        session.sparkContext.setLogLevel("ERROR")
        # Warm up on a small file: the JVM's first jobs, the Python workers and their model.
        warm = spark_scoring.read_customers(session, str(sample))
        spark_scoring.score_customers(warm, str(sample), str(work / "warm"), args.models)
        customers = spark_scoring.read_customers(session, str(source))
        output = str(work / "spark")
        start = time.perf_counter()
        spark_scoring.score_customers(customers, str(source), output, args.models)
        total = time.perf_counter() - start
        report("spark-score in local[2]", rows, total)
        read = run_job(customers)
        model = session.sparkContext.broadcast(spark_scoring.ModelFiles.read(args.models))
        read_score = run_job(spark_scoring.scores(customers, model, str(source)))
        score, write = read_score - read, total - read_score
        print(f"  read {read:.1f} s, score {score:.1f} s, write {write:.1f} s (read, score: again)")

        theirs, ours = pd.read_parquet(single), pd.read_parquet(output)
        same = ours["customerID"].equals(theirs["customerID"])
        gap = np.abs(ours["churn_probability"] - theirs["churn_probability"]).max()
        print(f"spark-score vs predict: same ids in order: {same}; largest gap {gap:.1e}")
        session.stop()


if __name__ == "__main__":
    main()
