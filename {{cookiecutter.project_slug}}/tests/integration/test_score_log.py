import json
import logging
import logging.handlers
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER
from {{ cookiecutter.package_name }}.data.load import parse_raw
from {{ cookiecutter.package_name }}.data.schema import (
    FEATURE_COLUMNS,
    ID_COLUMN,
)
from {{ cookiecutter.package_name }}.data.synthetic import generate
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.monitoring.score_log import (
    ScoreLog,
    load_score_log,
)
from {{ cookiecutter.package_name }}.pipelines.drift_check import run_drift_check
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult

from .conftest import ServeFactory


def customers(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Raw rows as API request bodies (numbers as numbers, a blank TotalCharges as " ")."""
    parsed = parse_raw(frame, require_target=False)
    bodies = []
    for _, row in parsed.iterrows():
        body = {ID_COLUMN: row[ID_COLUMN]}
        for column in FEATURE_COLUMNS:
            value = row[column]
            body[column] = value.item() if hasattr(value, "item") else value
        if body["TotalCharges"] != body["TotalCharges"]:
            body["TotalCharges"] = " "
        bodies.append(body)
    return bodies


def log_lines(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for path in sorted(folder.glob("scores-*.jsonl*"))
        for line in path.read_text().splitlines()
    ]


def test_scored_requests_are_logged_without_identifiers_by_default(
    tmp_path: Path, models_dir: Path, serve: ServeFactory
) -> None:
    with serve(models_dir, score_log_dir=tmp_path) as client:
        one = client.post("/predict", json=dict(EXAMPLE_CUSTOMER)).json()
        batch = client.post("/predict/batch", json={"customers": customers(generate(3, 1))})
        assert batch.status_code == 200
        assert client.post("/predict", json={}).status_code == 422  # not scored: not logged
    lines = log_lines(tmp_path)
    assert len(lines) == 4
    assert lines[0]["churn_probability"] == round(one["churn_probability"], 6)
    assert {line["model_version"] for line in lines} == {one["model_version"]}
    assert all(ID_COLUMN not in line for line in lines)
    assert all(set(FEATURE_COLUMNS) <= set(line) for line in lines)


def test_identifiers_are_logged_when_configured(
    tmp_path: Path, models_dir: Path, serve: ServeFactory
) -> None:
    with serve(models_dir, score_log_dir=tmp_path, score_log_ids=True) as client:
        client.post("/predict/batch", json={"customers": customers(generate(2, 3))})
    assert [line[ID_COLUMN] for line in log_lines(tmp_path)] == generate(2, 3)[ID_COLUMN].tolist()


@pytest.mark.usefixtures("without_plots")
def test_monitor_drift_reads_rotated_score_logs(
    tmp_path: Path,
    trained: tuple[Config, TrainingResult],
    models_dir: Path,
    serve: ServeFactory,
) -> None:
    settings, _ = trained
    logs = tmp_path / "logs"
    drifted = generate(400, seed=5, drift=True)
    rotation = {"score_log_max_bytes": 16384, "score_log_backups": 50}
    with serve(models_dir, score_log_dir=logs, **rotation) as client:
        for start in range(0, len(drifted), 100):
            chunk = customers(drifted.iloc[start : start + 100])
            assert client.post("/predict/batch", json={"customers": chunk}).status_code == 200
    assert len(list(logs.glob("scores-*.jsonl.*"))) >= 2  # rotated, none lost below
    assert len(load_score_log(logs)) == 400
    check = run_drift_check(settings, settings.data.raw_path, logs, tmp_path / "drift")
    assert check.summary["current"]["rows"] == 400
    assert check.drift_detected


def test_damaged_score_log_lines_are_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    features = {column: EXAMPLE_CUSTOMER[column] for column in FEATURE_COLUMNS}
    good = [{"model_version": "v1", "churn_probability": 0.5, **features}] * 3
    lines = [json.dumps(record).encode() for record in good]
    damaged = [b'{"gender": "Fem', b"\xff\xfe", b'["a list"]']  # torn, not UTF-8, not an object
    log = tmp_path / "scores-1.jsonl"
    log.write_bytes(b"\n".join([lines[0], damaged[0], lines[1], damaged[1], damaged[2], lines[2]]))
    assert len(load_score_log(log)) == 3
    for number, why in [(2, "not JSON"), (4, "not UTF-8 text"), (5, "not a JSON object")]:
        assert f"line {number} skipped: {why}" in caplog.text
    log.write_bytes(b"\n".join(damaged))
    with pytest.raises(DataError, match="the score log holds no scored customer"):
        load_score_log(log)


def test_a_score_log_that_cannot_write_costs_one_warning_and_shows_in_ready_and_metrics(
    serve: ServeFactory, models_dir: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    batch = {"customers": [EXAMPLE_CUSTOMER] * 50}
    score_log = logging.getLogger(load_score_log.__module__)
    seen = logging.handlers.BufferingHandler(capacity=100)
    score_log.addHandler(seen)
    try:
        with serve(models_dir, score_log_dir=logs) as client:
            blocked = logs / f"scores-{os.getpid()}.jsonl"
            blocked.mkdir()  # the file cannot be opened, as on a full disk or a read-only mount
            for _ in range(3):
                assert client.post("/predict/batch", json=batch).status_code == 200
            failing = client.get("/ready").json()
            metrics = client.get("/metrics").text
            blocked.rmdir()
            assert client.post("/predict/batch", json=batch).status_code == 200
            recovered = client.get("/ready").json()
    finally:
        score_log.removeHandler(seen)
    assert failing["score_log_failing"] is True
    assert "churn_score_log_errors_total 150.0" in metrics
    assert [record.levelname for record in seen.buffer] == ["WARNING", "INFO"]  # not one a line
    assert recovered["score_log_failing"] is False
    assert len(log_lines(logs)) == 50


def _score_log(folder: Path, counted: list[int]) -> ScoreLog:
    return ScoreLog(folder, with_ids=False, max_bytes=0, backups=0, on_error=counted.append)


def test_a_score_log_whose_folder_is_deleted_says_so_and_writes_again_once_it_is_back(
    tmp_path: Path,
) -> None:
    logs, counted = tmp_path / "logs", list[int]()
    log = _score_log(logs, counted)
    three = [dict(EXAMPLE_CUSTOMER)] * 3
    log.write(three, [0.5] * 3, "v1")
    shutil.rmtree(logs)  # the open file is deleted with it: writing there would lose the lines
    log.write(three, [0.5] * 3, "v1")
    assert (counted, log.failing) == ([3], True)
    logs.mkdir()
    log.write(three, [0.5] * 3, "v1")
    log.close()
    assert (counted, log.failing) == ([3], False)
    assert len(log_lines(logs)) == 3


def test_each_write_counts_only_its_own_lost_lines(tmp_path: Path) -> None:
    logs, counted = tmp_path / "logs", list[int]()
    log = _score_log(logs, counted)
    (logs / f"scores-{os.getpid()}.jsonl").mkdir()  # the file cannot be opened
    batch = [dict(EXAMPLE_CUSTOMER)] * 200
    writers = [threading.Thread(target=log.write, args=(batch, [0.5] * 200, "v")) for _ in range(8)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert counted == [200] * 8  # batches write from threads: each reports its own lines
