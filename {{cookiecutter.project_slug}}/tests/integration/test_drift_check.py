import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import DRIFT_EXIT_CODE, app
from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.data.schema import FEATURE_COLUMNS
from {{ cookiecutter.package_name }}.data.synthetic import generate
from {{ cookiecutter.package_name }}.errors import DataError, OutputError
from {{ cookiecutter.package_name }}.pipelines.drift_check import run_drift_check
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult

ROWS = 2500


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A reference set, a fresh sample of its population, a drifted one and two halves."""
    folder = tmp_path_factory.mktemp("drift-samples")
    frames = {
        "reference": generate(ROWS, seed=101),
        "fresh": generate(ROWS, seed=202),
        "drifted": generate(ROWS, seed=303, drift=True),
    }
    one = generate(2 * ROWS, seed=404).sample(frac=1.0, random_state=5)
    frames["half_a"], frames["half_b"] = one.iloc[:ROWS], one.iloc[ROWS:]
    paths = {}
    for name, frame in frames.items():
        paths[name] = folder / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths


def test_a_drifted_population_is_flagged_with_one_entry_per_feature(
    tmp_path: Path, trained: tuple[Config, TrainingResult], samples: dict[str, Path]
) -> None:
    settings, _ = trained
    before = samples["drifted"].read_bytes()
    check = run_drift_check(settings, samples["reference"], samples["drifted"], tmp_path)
    assert check.drift_detected
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["drift_detected"] is True
    assert set(summary["features"]) == set(FEATURE_COLUMNS)
    assert {"Contract", "tenure", "InternetService"} <= set(summary["drifted_features"])
    assert summary["features"]["gender"]["drift"] is False  # unchanged in the drifted mix
    assert summary["prediction"]["drift"] is True
    shares = {role: summary["prediction"][role]["churn_share"] for role in ("reference", "current")}
    assert shares["current"] > shares["reference"]
    page = (tmp_path / "report.html").read_text()
    assert "DRIFT DETECTED" in page
    assert page.count("data:image/png;base64,") == 1  # one panel per feature, one image
    assert all(f"<td>{name}</td>" in page for name in FEATURE_COLUMNS)
    assert samples["drifted"].read_bytes() == before


@pytest.mark.usefixtures("without_plots")
@pytest.mark.parametrize(("reference", "current"), [("reference", "fresh"), ("half_a", "half_b")])
def test_no_drift_on_a_fresh_sample_or_two_halves_of_one_set(
    tmp_path: Path,
    trained: tuple[Config, TrainingResult],
    samples: dict[str, Path],
    reference: str,
    current: str,
) -> None:
    settings, _ = trained
    check = run_drift_check(settings, samples[reference], samples[current], tmp_path)
    assert not check.drift_detected, check.summary["drifted_features"]
    assert check.summary["drifted_features"] == []
    assert check.summary["prediction"]["drift"] is False
    assert "No drift detected" in (tmp_path / "report.html").read_text()


@pytest.mark.usefixtures("without_plots")
def test_without_a_model_the_features_are_still_checked(
    tmp_path: Path, config: Config, samples: dict[str, Path]
) -> None:
    check = run_drift_check(config, samples["reference"], samples["drifted"], tmp_path)
    assert check.drift_detected
    assert "run train first" in check.summary["prediction"]["skipped"]


def test_an_output_folder_that_is_a_file_is_refused_before_any_comparison(
    tmp_path: Path, config: Config, samples: dict[str, Path]
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("mine")
    with pytest.raises(OutputError, match=f"the drift report folder {taken} is a file"):
        run_drift_check(config, samples["reference"], samples["fresh"], taken)
    assert taken.read_text() == "mine"


def test_a_small_sample_is_refused(
    tmp_path: Path, config: Config, samples: dict[str, Path]
) -> None:
    small = tmp_path / "small.csv"
    pd.read_csv(samples["fresh"], dtype=str, keep_default_na=False).head(50).to_csv(
        small, index=False
    )
    with pytest.raises(DataError, match=r"50 rows is too few.*min_rows is 200"):
        run_drift_check(config, samples["reference"], small, tmp_path / "drift")
    assert not (tmp_path / "drift").exists()  # a refused input leaves no empty folder


@pytest.mark.usefixtures("without_plots")
def test_the_thresholds_come_from_the_config(
    tmp_path: Path, trained: tuple[Config, TrainingResult], samples: dict[str, Path]
) -> None:
    settings, _ = trained
    drift = settings.monitoring.drift.model_copy(
        update={"numeric_threshold": 1e-6, "categorical_threshold": 1e-6}
    )
    strict = settings.model_copy(
        update={"monitoring": settings.monitoring.model_copy(update={"drift": drift})}
    )
    check = run_drift_check(strict, samples["half_a"], samples["half_b"], tmp_path)
    assert check.drift_detected
    assert check.summary["thresholds"]["numeric_threshold"] == 1e-6


@pytest.mark.usefixtures("without_plots")
def test_the_cli_exits_3_on_drift_and_0_without(
    tmp_path: Path,
    trained: tuple[Config, TrainingResult],
    samples: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings, _ = trained
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"paths": {"models_dir": str(settings.paths.models_dir)}}))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    base = ["monitor", "drift", "--config", str(config), "--reference", str(samples["reference"])]
    drifted = runner.invoke(app, [*base, "--current", str(samples["drifted"])])
    assert drifted.exit_code == DRIFT_EXIT_CODE == 3, drifted.output
    assert "Drift detected" in drifted.output
    assert json.loads(Path("reports/drift/summary.json").read_text())["drift_detected"] is True
    fresh = runner.invoke(app, [*base, "--current", str(samples["fresh"]), "--out", "fresh"])
    assert fresh.exit_code == 0, fresh.output
    assert json.loads(Path("fresh/summary.json").read_text())["drift_detected"] is False
    missing = runner.invoke(app, [*base, "--current", "absent.csv"])
    assert missing.exit_code == 1
    assert "data file not found: absent.csv" in missing.stderr
