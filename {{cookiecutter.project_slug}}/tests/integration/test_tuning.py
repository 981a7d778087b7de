"""`tune`: a bounded, resumable search on the training split whose best the next `train` reads."""

import json
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import (
    Config,
    ModelConfig,
    load_config,
    parse_config,
)
from {{ cookiecutter.package_name }}.errors import ConfigError
from {{ cookiecutter.package_name }}.models import tuning
from {{ cookiecutter.package_name }}.models.tuning import TrialReport
from {{ cookiecutter.package_name }}.pipelines.preparation import split_raw
from {{ cookiecutter.package_name }}.pipelines.tuning import run_tuning

from tests.conftest import FAST_EVALUATION, make_config

runner = CliRunner()


@pytest.fixture
def settings(tmp_path: Path, raw_csv: Path) -> Config:
    """A configuration for a tiny search: three folds on the small data set."""
    config = make_config(tmp_path).model_dump()
    return parse_config({**config, "tuning": {**config["tuning"], "folds": 3}})


def stored_trials(config: Config, study: str) -> list[optuna.trial.FrozenTrial]:
    storage = f"sqlite:///{config.tuning.storage.as_posix()}"
    return optuna.load_study(study_name=study, storage=storage).trials


def test_the_search_sees_the_training_split_only_and_writes_its_best(
    settings: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[pd.Index] = []
    score = tuning.cv_score

    def recording(
        config: ModelConfig, features: pd.DataFrame, target: pd.Series, seed: int, folds: int
    ) -> float:
        seen.append(features.index)
        return score(config, features, target, seed, folds)

    monkeypatch.setattr(tuning, "cv_score", recording)
    result = run_tuning(settings, trials=2)

    hold_out = split_raw(settings, write=False)
    assert len(seen) == 2
    for index in seen:
        assert set(index) == set(hold_out.train.index)
        assert not set(index) & set(hold_out.test.index)
    assert result.trials == 2
    assert result.params_file == settings.tuning.params_file
    written = yaml.safe_load(settings.tuning.params_file.read_text())
    assert written == {"model": {"logistic_regression": result.best_params}}
    assert set(result.best_params) == {"C", "class_weight"}


def test_a_second_run_continues_the_study_with_new_points(settings: Config) -> None:
    first = run_tuning(settings, trials=2)
    second = run_tuning(settings, trials=2)
    assert second.study == first.study
    assert second.trials == 4
    trials = stored_trials(settings, second.study)
    assert len(trials) == 4
    assert trials[0].params["C"] == settings.model.logistic_regression.C  # the baseline
    assert len({trial.params["C"] for trial in trials}) == 4


def test_ctrl_c_stops_the_run_and_keeps_the_finished_trials(settings: Config) -> None:
    def interrupt(_: TrialReport) -> None:
        raise KeyboardInterrupt

    stopped = run_tuning(settings, trials=5, on_trial=interrupt)
    assert stopped.stopped
    assert stopped.trials == 1
    assert settings.tuning.params_file.is_file()
    resumed = run_tuning(settings, trials=1)
    assert not resumed.stopped
    assert resumed.trials == 2


def write_settings(root: Path, tuned: str) -> Path:
    """Write a settings file under ``root`` and a tuned file beside it; return the first."""
    config = make_config(root)
    config.tuning.params_file.parent.mkdir(parents=True, exist_ok=True)
    config.tuning.params_file.write_text(tuned)
    path = root / "settings.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json")))
    return path


def test_the_tuned_file_overrides_the_settings_file_and_the_environment_overrides_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_settings(tmp_path, "model: {logistic_regression: {C: 0.25}}\n")
    config = load_config(path)
    assert config.model.logistic_regression.C == 0.25
    assert config.model.logistic_regression.max_iter == 1000  # untouched by the tuned file
    assert config.tuned_from == config.tuning.params_file

    monkeypatch.setenv("CHURN_MODEL__LOGISTIC_REGRESSION__C", "4")
    assert load_config(path).model.logistic_regression.C == 4.0


def test_without_the_chosen_estimator_in_the_tuned_file_the_settings_file_rules(
    tmp_path: Path,
) -> None:
    path = write_settings(tmp_path, "model: {random_forest: {min_samples_leaf: 3}}\n")
    config = load_config(path)
    assert config.tuned_from is None
    assert config.model.random_forest.min_samples_leaf == 3
    config.tuning.params_file.unlink()
    assert load_config(path).model.random_forest.min_samples_leaf == 10


@pytest.mark.parametrize(
    "tuned",
    [
        "model: {logistic_regression: {C: -1}}\n",
        "model: {logistic_regression: {gamma: 1}}\n",
        "model: {logistic_regression: [1]}\n",
        "seed: 3\n",
        "model: [\n",
        "[]\n",
    ],
    ids=["bad-value", "unknown-key", "not-a-mapping", "other-section", "not-yaml", "a-list"],
)
def test_a_bad_tuned_file_is_a_one_line_config_error_naming_it(tmp_path: Path, tuned: str) -> None:
    path = write_settings(tmp_path, tuned)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(str(tmp_path / "configs" / "tuned.yaml"))
    assert "\n" not in message


def test_the_tune_command_shows_each_trial_then_train_uses_the_best(
    tmp_path: Path, raw_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("configs").mkdir()
    Path("configs/config.yaml").write_text(
        yaml.safe_dump({"evaluation": FAST_EVALUATION, "tuning": {"folds": 2}})
    )
    result = runner.invoke(app, ["tune", "--data", str(raw_csv), "--trials", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.count("Trial ") == 2
    assert Path("configs/tuned.yaml").is_file()
    assert Path("models/tuning.db").is_file()

    result = runner.invoke(app, ["train", "--data", str(raw_csv)])
    assert result.exit_code == 0, result.output
    assert "configs/tuned.yaml" in result.output
    (metadata,) = Path("models/versions").glob("*/metadata.json")
    recorded = json.loads(metadata.read_text())
    assert recorded["params_source"] == "configs/tuned.yaml"
    best = yaml.safe_load(Path("configs/tuned.yaml").read_text())["model"]["logistic_regression"]
    assert recorded["params"]["C"] == best["C"]
