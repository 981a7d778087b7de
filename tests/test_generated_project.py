"""Slow tier: bake with a real environment, then run the project's own Makefile."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bakery import clean_env, git_lines, outcome, run

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
COMMAND_TIMEOUT = 1500  # seconds; generous for 2 cores and a cold pip cache


def _pip_cache() -> str:
    """The pip cache shared between runs: TEMPLATE_PIP_CACHE, else the usual place."""
    if os.environ.get("TEMPLATE_PIP_CACHE"):
        return os.environ["TEMPLATE_PIP_CACHE"]
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return str(Path(cache_home) / "pip")


def _timed(label: str, args: list[str], cwd: Path) -> Any:
    """Run a command in the baked project, print how long it took, return the result."""
    start = time.perf_counter()
    proc = run(args, cwd=cwd, env=clean_env(PIP_CACHE_DIR=_pip_cache()), timeout=COMMAND_TIMEOUT)
    print(f"[slow] {label}: exit {proc.returncode} in {time.perf_counter() - start:.1f}s")
    return proc


def _sha256(path: Path) -> str:
    """Return the hex SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def baked(cookies_session: Any) -> tuple[Path, dict[str, Any]]:
    """The default project baked with git and a real `.venv` (created by the hook)."""
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    answers: dict[str, Any] = {"init_git": True, "create_env": True}
    if running in {"3.10", "3.11", "3.12", "3.13"}:
        answers["python_version"] = running  # the hook builds .venv with this Python
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIP_CACHE_DIR", _pip_cache())
        start = time.perf_counter()
        result = cookies_session.bake(extra_context=answers)
        print(f"[slow] bake with create_env: {time.perf_counter() - start:.1f}s")
    assert result.exception is None, repr(result.exception)
    return result.project_path, result.context


@pytest.fixture(scope="module")
def trained(baked: tuple[Path, dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    """The baked project after `make train` succeeded."""
    project, answers = baked
    proc = _timed("make train", ["make", "train"], project)
    assert proc.returncode == 0, outcome(proc)
    return project, answers


def test_hook_created_a_working_environment(baked: tuple[Path, dict[str, Any]]) -> None:
    """It leaves an importable package in `.venv` and a clean one-commit repository."""
    project, answers = baked
    python = project / ".venv" / "bin" / "python"
    proc = run([python, "-c", f"import {answers['package_name']}"], cwd=project)
    assert proc.returncode == 0, outcome(proc)
    assert len(git_lines(project, "rev-list", "HEAD")) == 1
    assert git_lines(project, "status", "--porcelain") == []


def test_make_test_passes(baked: tuple[Path, dict[str, Any]]) -> None:
    """It runs the generated project's own test suite green."""
    project, _ = baked
    proc = _timed("make test", ["make", "test"], project)
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
    metadata = json.loads((project / "models" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata
    figures = sorted((project / "reports" / "figures").glob("*.png"))
    assert len(figures) >= 5, [figure.name for figure in figures]


def test_outputs_are_git_ignored(trained: tuple[Path, dict[str, Any]]) -> None:
    """It leaves the work tree clean: data, models and reports are ignored outputs."""
    project, _ = trained
    assert git_lines(project, "status", "--porcelain") == []


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

    proc = _timed("predict", args, project)

    assert proc.returncode == 0, outcome(proc)
    assert _sha256(source) == before
    with output.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert {"customerID", "churn_probability"} <= set(rows[0])
    assert all(0.0 <= float(row["churn_probability"]) <= 1.0 for row in rows)


def test_pre_commit_hooks_pass(trained: tuple[Path, dict[str, Any]]) -> None:
    """It passes the project's own (local) pre-commit hooks on every file."""
    project, _ = trained
    venv_bin = project / ".venv" / "bin"
    env = clean_env(PATH=f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}")
    start = time.perf_counter()
    proc = run([venv_bin / "pre-commit", "run", "--all-files"], cwd=project, env=env)
    print(f"[slow] pre-commit: exit {proc.returncode} in {time.perf_counter() - start:.1f}s")
    assert proc.returncode == 0, outcome(proc)
