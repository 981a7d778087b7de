"""The wheel from `make build`, installed in a fresh venv, runs in an empty folder."""

from __future__ import annotations

import csv
import os
import subprocess
import time
import venv
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from {{ cookiecutter.package_name }} import __version__

from .conftest import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STAMP = PROJECT_ROOT / ".venv" / ".installed"
CLI = "{{ cookiecutter.project_slug }}"
#: The new venv's bin/ and the environment the commands run in (no CHURN_* or PYTHON*).
Installed = tuple[Path, dict[str, str]]

pytestmark = pytest.mark.slow


def run(command: Sequence[str | Path], cwd: Path, env: dict[str, str]) -> str:
    """Run a command; fail the test with its output unless it exits 0."""
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"{command} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel with `make build`, install it in a new venv; return its bin/ and env."""
    root = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHURN_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    # The environment is in place: `make build` must not reinstall it (CI makes no stamp).
    make = ["make", f"--assume-old={STAMP}", "build", f"DIST={root / 'dist'}"]
    run(make, PROJECT_ROOT, env)
    (wheel,) = (root / "dist").glob("*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    pip: list[str | Path] = [
        bin_dir / "python",
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
    ]
    run([*pip, wheel], root, env)
    return bin_dir, env


@pytest.fixture(scope="module")
def trained(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder where the installed CLI made the default data set and trained."""
    bin_dir, env = installed
    work = tmp_path_factory.mktemp("work")
    run([bin_dir / CLI, "data", "generate", "--rows", "800"], work, env)
    run([bin_dir / CLI, "train"], work, env)
    return work


def test_version_is_the_installed_one(installed: Installed, tmp_path: Path) -> None:
    bin_dir, env = installed
    assert run([bin_dir / CLI, "--version"], tmp_path, env).strip() == __version__


def test_it_trains_and_predicts_with_the_packaged_settings(
    installed: Installed, trained: Path
) -> None:
    bin_dir, env = installed
    assert (trained / "models" / "production.json").is_file()
    assert (trained / "reports" / "metrics.json").is_file()
    predictions = trained / "predictions.csv"
    command: list[str | Path] = [bin_dir / CLI, "predict", "--input", "data/raw/telco_churn.csv"]
    run([*command, "--output", predictions], trained, env)
    assert len(predictions.read_text().splitlines()) == 801


def readme_example() -> str:
    """Return the README's Python example of another service that imports the package."""
    section = (PROJECT_ROOT / "README.md").read_text().split("## Use it from another service")[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_another_service_scores_raw_rows_as_the_readme_shows(
    installed: Installed, trained: Path, tmp_path: Path
) -> None:
    bin_dir, env = installed
    with (trained / "data" / "raw" / "telco_churn.csv").open(newline="") as raw:
        rows = list(csv.DictReader(raw))[:50]
    rows[0].update(tenure="0", TotalCharges=" ")  # a new customer, as in the raw file
    with (tmp_path / "rows.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    example = readme_example().replace("/srv/models", str(trained / "models"))
    script = "\n".join(
        [
            "import csv",
            "rows = list(csv.DictReader(open('rows.csv', newline='')))",  # every value text
            example,
            "print(*probabilities.round(6), sep='\\n')",
            "print(*churn, sep='\\n')",
        ]
    )
    printed = run([bin_dir / "python", "-c", script], tmp_path, env).split()
    command: list[str | Path] = [bin_dir / CLI, "predict", "-i", "rows.csv", "-o", "scored.csv"]
    run(command, tmp_path, {**env, "CHURN_PATHS__MODELS_DIR": str(trained / "models")})
    with (tmp_path / "scored.csv").open(newline="") as scored:
        expected = list(csv.DictReader(scored))
    probabilities = [float(row["churn_probability"]) for row in expected]
    assert [float(p) for p in printed[:50]] == pytest.approx(probabilities, abs=1e-6)
    assert printed[50:] == [row["churn"].capitalize() for row in expected]


def test_a_project_settings_file_overrides_the_packaged_one(
    installed: Installed, tmp_path: Path
) -> None:
    bin_dir, env = installed
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "config.yaml").write_text("model:\n  estimator: no_such_model\n")
    command: list[str | Path] = [bin_dir / CLI, "train"]
    proc = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "model.estimator" in proc.stderr


def test_it_serves_the_models_folder_the_environment_names(
    installed: Installed, trained: Path, tmp_path: Path
) -> None:
    bin_dir, env = installed
    serve_env = {**env, "CHURN_PATHS__MODELS_DIR": str(trained / "models")}
    port = free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(
            [bin_dir / CLI, "serve", "--port", str(port)],
            cwd=tmp_path,
            env=serve_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            status = None
            deadline = time.monotonic() + 60
            while server.poll() is None and status != 200 and time.monotonic() < deadline:
                try:
                    status = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code
                except httpx.HTTPError:
                    time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert status == 200, (tmp_path / "serve.log").read_text(errors="replace")[-2000:]
