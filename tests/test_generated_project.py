"""Slow tier: bake with a real environment, then run the project's own Makefile."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bakery import (
    BakedProject,
    clean_env,
    free_port,
    git,
    outcome,
    run,
    running_python,
    timed,
    tool_env,
)

pytestmark = pytest.mark.slow

METRIC_KEYS = {
    "roc_auc",
    "pr_auc",
    "f1",
    "precision",
    "recall",
    "accuracy",
    "brier",
    "n_train",
    "n_test",
}


def _sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def baked(cookies_session: Any) -> tuple[Path, dict[str, Any]]:
    """The default project baked with git and a real `.venv` (the hook runs `make venv`)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in tool_env().items():
            patch.setenv(name, value)
        start = time.perf_counter()
        project = BakedProject.bake(
            cookies_session, init_git=True, create_env=True, **running_python()
        )
        print(f"[slow] bake with create_env: {time.perf_counter() - start:.1f}s")
    project.assert_ready()
    return project.path, project.answers


@pytest.fixture(scope="module")
def trained(baked: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    """The baked project after `make train` succeeded."""
    project, answers = baked
    proc = timed("make train", ["make", "train"], project)
    assert proc.returncode == 0, outcome(proc)
    return project, answers


def test_hook_created_a_working_environment(baked: tuple[Path, dict[str, Any]]) -> None:
    """It leaves an importable package in `.venv` and a clean one-commit repository."""
    project, answers = baked
    python = project / ".venv" / "bin" / "python"
    proc = run([python, "-c", f"import {answers['package_name']}"], cwd=project)
    assert proc.returncode == 0, outcome(proc)
    BakedProject(project, answers).assert_committed_once()


def test_the_shipped_settings_file_holds_the_code_defaults(
    baked: tuple[Path, dict[str, Any]],
) -> None:
    """As baked, configs/config.yaml says what the code does without it. (The project's own
    test checks only that the file is valid and names every setting: its values are the
    project's to change.)"""
    project, answers = baked
    python = project / ".venv" / "bin" / "python"
    check = (
        "import sys, yaml\n"
        f"from {answers['package_name']}.config import Config, parse_config\n"
        "path = sys.argv[1]\n"
        "with open(path, encoding='utf-8') as file:\n"
        "    assert parse_config(yaml.safe_load(file), path) == Config(), path\n"
    )
    proc = run([python, "-c", check, "configs/config.yaml"], cwd=project)
    assert proc.returncode == 0, outcome(proc)


def test_make_test_passes(baked: tuple[Path, dict[str, Any]]) -> None:
    """It runs the generated project's own test suite green."""
    project, _ = baked
    proc = timed("make test", ["make", "test"], project)
    assert proc.returncode == 0, outcome(proc)


def test_make_train_writes_metrics_model_and_figures(
    trained: tuple[Path, dict[str, Any]],
) -> None:
    """It trains on the generated default data and writes every evaluation output."""
    project, _ = trained
    assert (project / "data" / "raw" / "telco_churn.csv").is_file()
    metrics = json.loads((project / "reports" / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics) >= METRIC_KEYS, f"missing: {METRIC_KEYS - set(metrics)}"
    assert 0.0 <= metrics["roc_auc"] <= 1.0
    assert metrics["n_train"] > 0
    assert metrics["n_test"] > 0
    models = project / "models"
    production = json.loads((models / "production.json").read_text(encoding="utf-8"))
    version = models / "versions" / production["version"]
    metadata = json.loads((version / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["model_version"] == production["version"]
    figures = sorted((project / "reports" / "figures").glob("*.png"))
    assert len(figures) >= 5, [figure.name for figure in figures]


def test_outputs_are_git_ignored(trained: tuple[Path, dict[str, Any]]) -> None:
    """It leaves the work tree clean: data, models and reports are ignored outputs."""
    project, _ = trained
    assert git(project, "status", "--porcelain") == []


def test_predict_scores_a_csv_without_touching_it(
    trained: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """It writes customerID and churn_probability and leaves the input byte-identical."""
    project, answers = trained
    source = project / "data" / "raw" / "telco_churn.csv"
    before = _sha256(source)
    output = tmp_path / "pred.csv"
    python = str(project / ".venv" / "bin" / "python")
    args = [python, "-m", answers["package_name"], "predict"]
    args += ["--input", str(source), "--output", str(output)]

    proc = timed("predict", args, project)

    assert proc.returncode == 0, outcome(proc)
    assert _sha256(source) == before
    with output.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert {"customerID", "churn_probability"} <= set(rows[0])
    assert all(0.0 <= float(row["churn_probability"]) <= 1.0 for row in rows)


def test_pre_commit_hooks_pass(trained: tuple[Path, dict[str, Any]]) -> None:
    """It passes the project's pre-commit hooks (the .venv tools, mypy too) on every file."""
    project, _ = trained
    venv_bin = project / ".venv" / "bin"
    env = clean_env(PATH=f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.perf_counter()
    proc = run([venv_bin / "pre-commit", "run", "--all-files"], cwd=project, env=env)
    print(f"[slow] pre-commit: exit {proc.returncode} in {time.perf_counter() - start:.1f}s")
    assert proc.returncode == 0, outcome(proc)


BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
# Builds each comparison app of `make bench` (the template's benchmarks/) against the project
# and posts the project's own benchmark bodies: one JSON line per app.
COMPARISON_APPS = """
import importlib, json, os, sys, tempfile
from pathlib import Path
sys.path[:0] = [sys.argv[1], "benchmarks"]
import bench
from fastapi.testclient import TestClient
os.environ["BENCH_PACKAGE"], folder = sys.argv[2], Path(tempfile.mkdtemp())
headers = {"Content-Type": "application/json"}
paths = ("/predict", "/predict/batch")  # what they are compared on (not ?explain=true)
bodies = {path: bench.write_body(folder, bench.ENDPOINTS[path]).read_bytes() for path in paths}
for name in ("floor_app", "tutorial_app", "bare_app"):
    app = importlib.import_module(name).create_app()
    with TestClient(app) as client:
        one, many = (client.post(p, content=body, headers=headers) for p, body in bodies.items())
    print(json.dumps([name, one.status_code, one.json(), many.status_code, many.json()]))
"""


def test_benchmark_comparison_apps_answer_like_the_service(
    trained: tuple[Path, dict[str, Any]],
) -> None:
    """The floor, tutorial and bare apps of `make bench` build and answer both endpoints."""
    project, answers = trained
    python = project / ".venv" / "bin" / "python"
    args = [python, "-c", COMPARISON_APPS, BENCHMARKS, answers["package_name"]]
    proc = run(args, cwd=project, env=clean_env())
    assert proc.returncode == 0, outcome(proc)
    found = {}
    for line in proc.stdout.splitlines():
        name, single_status, single, batch_status, batch = json.loads(line)
        assert (single_status, batch_status) == (200, 200), name
        assert {"churn_probability", "churn", "model_version"} <= set(single), name
        assert len(batch["predictions"]) == 1000, name
        found[name] = single["model_version"]
    assert found == {"floor_app": "floor", "tutorial_app": "tutorial", "bare_app": "bare"}


STRAY_REPR = re.compile(r"<[\w.]+ (object )?at 0x[0-9a-f]+>|^(Text|Legend)\(")


def test_notebook_runs_in_a_real_kernel_without_stray_reprs(
    trained: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """It installs the notebook group (`make` target), then runs the notebook in Jupyter."""
    project, _ = trained
    proc = timed("make .venv/bin/jupyter-lab", ["make", ".venv/bin/jupyter-lab"], project)
    assert proc.returncode == 0, outcome(proc)
    executed = tmp_path / "executed.ipynb"
    jupyter = str(project / ".venv" / "bin" / "jupyter")
    args = ["nbconvert", "--to", "notebook", "--execute", "--output", str(executed)]
    proc = timed(
        "jupyter nbconvert --execute", [jupyter, *args, "notebooks/01_exploration.ipynb"], project
    )
    assert proc.returncode == 0, outcome(proc)
    cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert all(cell["execution_count"] for cell in code)
    shown = [
        "".join(output.get("data", {}).get("text/plain", ""))
        for cell in code
        for output in cell["outputs"]
        if output["output_type"] in {"execute_result", "display_data"}
    ]
    assert [text for text in shown if STRAY_REPR.search(text)] == []
    images = [o for cell in code for o in cell["outputs"] if "image/png" in o.get("data", {})]
    assert len(images) == 3  # the three figures, each shown once


def _request(
    url: str, body: bytes | None = None, content_type: str = "application/json"
) -> tuple[int, str]:
    """Send GET (or POST with ``body``) to the local server; return status and text."""
    headers = {"Content-Type": content_type} if body is not None else {}
    request = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _raw_customers(csv_path: Path) -> list[dict[str, Any]]:
    """Return a regular and a new (blank TotalCharges) customer from the raw CSV, as JSON."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    new = [row for row in rows if not row["TotalCharges"].strip()]
    picked = [rows[0], *new[:1]]
    customers = []
    for row in picked:
        customer: dict[str, Any] = {key: value for key, value in row.items() if key != "Churn"}
        customer["SeniorCitizen"] = int(row["SeniorCitizen"])
        customer["tenure"] = int(row["tenure"])
        customer["MonthlyCharges"] = float(row["MonthlyCharges"])
        if row["TotalCharges"].strip():
            customer["TotalCharges"] = float(row["TotalCharges"])
        customers.append(customer)  # a blank TotalCharges stays " ", as in the file
    return customers


def test_serve_answers_the_api_contract(trained: tuple[Path, dict[str, Any]]) -> None:
    """It serves the trained model: ready, raw-format rows score, hostile input gets 4xx."""
    project, answers = trained
    port = free_port()
    python = project / ".venv" / "bin" / "python"
    args = [str(python), "-m", answers["package_name"], "serve", "--port", str(port)]
    start = time.perf_counter()
    server = subprocess.Popen(
        args,
        cwd=project,
        env=clean_env(CHURN_SERVING__ACCESS_LOG="false"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            assert server.poll() is None, f"serve exited {server.returncode}"
            try:
                status, text = _request(base + "/ready")
            except OSError:
                status, text = 0, ""
            if status == 200:
                break
            assert time.perf_counter() - start < 60, f"not ready after 60 s: {status} {text}"
            time.sleep(0.2)
        print(f"[slow] serve ready in {time.perf_counter() - start:.1f}s")

        customers = _raw_customers(project / "data" / "raw" / "telco_churn.csv")
        for customer in customers:
            status, text = _request(base + "/predict", json.dumps(customer).encode())
            assert status == 200, text
            prediction = json.loads(text)
            assert 0.0 <= prediction["churn_probability"] <= 1.0
            assert prediction["customerID"] == customer["customerID"]
        status, text = _request(
            base + "/predict/batch", json.dumps({"customers": customers}).encode()
        )
        assert status == 200, text
        assert len(json.loads(text)["predictions"]) == len(customers)

        good = json.dumps(customers[0])
        hostile = [
            (b"", "application/json", 422),
            (b"{not json", "application/json", 422),
            (good.replace('"tenure": ', '"tenure": -').encode(), "application/json", 422),
            (json.dumps({**customers[0], "Contract": "Monthly"}).encode(), "application/json", 422),
            (json.dumps({**customers[0], "extra": 1}).encode(), "application/json", 422),
            (
                json.dumps({**customers[0], "MonthlyCharges": None})
                .replace("null", "NaN")
                .encode(),
                "application/json",
                422,
            ),
            (good.encode(), "text/plain", 422),  # FastAPI reads only JSON media types
            (json.dumps({"customers": [customers[0]] * 1001}).encode(), "application/json", 422),
        ]
        for body, content_type, expected in hostile:
            path = "/predict/batch" if body.startswith(b'{"customers"') else "/predict"
            status, text = _request(base + path, body, content_type)
            assert status == expected, f"{body[:60]!r}: {status} {text}"
        status, text = _request(base + "/metrics")
        assert status == 200
        assert 'http_requests_total{method="POST",route="/predict",status="422"}' in text
        assert server.poll() is None, "the server died on hostile input"
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)
    assert "Traceback" not in errors, errors
