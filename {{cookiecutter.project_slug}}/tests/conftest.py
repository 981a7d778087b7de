"""Shared fixtures: a small synthetic churn frame and a configuration under tmp_path.

The heavy imports (pandas, scikit-learn) wait for the fixtures that need them: pytest
imports this file before it collects anything, and so does the xdist controller of
`make test`, which runs no test itself.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from {{ cookiecutter.package_name }}.config import (
    Config,
    parse_config,
)

if TYPE_CHECKING:
    import pandas as pd

    from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult

# Native thread pools (OpenMP, BLAS) size themselves to the machine's cores; with one xdist
# worker per core, each worker gets one thread, or the workers' pools fight over the cores.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

SMALL_ROWS = 600
# The cheapest evaluation: every report but the PNG figures, the slowest part of a run.
# Tests that look at the figures (or at the spread of the importances) train with figures.
FAST_EVALUATION: dict[str, object] = {"permutation_repeats": 1, "figures": False}
FIGURES_EVALUATION: dict[str, object] = {"permutation_repeats": 2, "figures": True}
# Hyper-parameters that fit each estimator in a fraction of a second on SMALL_ROWS rows.
SMALL_ESTIMATORS: dict[str, dict[str, object]] = {
    "logistic_regression": {},
    "random_forest": {"n_estimators": 40, "n_jobs": 1},
    "hist_gradient_boosting": {"max_iter": 40},
}


def make_config(root: Path, *, figures: bool = False, **model: object) -> Config:
    """Return a configuration whose every path lies under ``root`` (no figures by default)."""
    return parse_config(
        {
            "data": {
                "raw_path": str(root / "data" / "raw" / "telco.csv"),
                "interim_dir": str(root / "data" / "interim"),
                "processed_dir": str(root / "data" / "processed"),
            },
            "model": model,
            "evaluation": FIGURES_EVALUATION if figures else FAST_EVALUATION,
            "paths": {"models_dir": str(root / "models"), "reports_dir": str(root / "reports")},
            "tuning": {
                "storage": str(root / "models" / "tuning.db"),
                "params_file": str(root / "configs" / "tuned.yaml"),
            },
        }
    )


def pytest_configure(config: pytest.Config) -> None:
    """Give an xdist worker one thread per native pool (its subprocesses inherit it)."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for name in THREAD_VARIABLES:
            os.environ.setdefault(name, "1")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Spare the exiting interpreter its last garbage collection over all the tests imported.

    It would only free memory the process is about to give back, and takes over a second,
    which an xdist controller waits for at the end of every worker.
    """
    gc.freeze()


@pytest.fixture(scope="session")
def raw_frame() -> pd.DataFrame:
    """A small synthetic data set in the raw Telco format (all values are text)."""
    from {{ cookiecutter.package_name }}.data.synthetic import generate

    return generate(SMALL_ROWS, seed=7)


@pytest.fixture
def raw_csv(tmp_path: Path, raw_frame: pd.DataFrame) -> Path:
    """The small data set written as a raw CSV file."""
    path = tmp_path / "data" / "raw" / "telco.csv"
    path.parent.mkdir(parents=True)
    raw_frame.to_csv(path, index=False)
    return path


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A default configuration writing under tmp_path."""
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, TrainingResult]:
    """A model trained once on the small data set, shared by read-only tests.

    Without figures: drawing them would quadruple the cost of a fixture every xdist worker
    builds; the one test that reads them trains its own model.
    """
    from {{ cookiecutter.package_name }}.data.synthetic import generate
    from {{ cookiecutter.package_name }}.pipelines.training import run_training

    root = tmp_path_factory.mktemp("trained")
    settings = make_config(root)
    settings.data.raw_path.parent.mkdir(parents=True)
    generate(SMALL_ROWS, seed=7).to_csv(settings.data.raw_path, index=False)
    return settings, run_training(settings)


@pytest.fixture
def dead_pid() -> int:
    """The pid of a process that has exited: what a ``kill -9`` leaves in a file name."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)
