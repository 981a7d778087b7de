import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.registry.artifacts import ONNX_FILE
from {{ cookiecutter.package_name }}.registry.manifest import write_manifest
from {{ cookiecutter.package_name }}.registry.store import (
    production_version,
    read_history,
    set_production,
)

from tests.conftest import FAST_EVALUATION
from tests.model_files import clone_version

runner = CliRunner()
MODELS = Path("models")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw_frame: pd.DataFrame) -> Path:
    """A project root with a good raw file and one whose labels are shuffled (a bad model)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "configs").mkdir()
    settings = {"evaluation": FAST_EVALUATION, "promotion": {"tolerance": 0.01}}
    (tmp_path / "configs" / "config.yaml").write_text(yaml.safe_dump(settings))
    raw_frame.to_csv("good.csv", index=False)
    shuffled = raw_frame["Churn"].to_numpy().copy()
    np.random.default_rng(0).shuffle(shuffled)
    raw_frame.assign(Churn=shuffled).to_csv("noise.csv", index=False)
    return tmp_path


def invoke(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output + (result.stderr if code else "")


def versions() -> list[str]:
    return sorted(path.name for path in (MODELS / "versions").iterdir())


def test_versions_promotion_gate_and_rollback(project: Path) -> None:
    assert "production (the first version)" in invoke("train", "--data", "good.csv")
    (first,) = versions()
    invoke("train", "--data", "noise.csv")
    (noisy,) = set(versions()) - {first}  # names sort by time only to the second
    assert production_version(MODELS) == first

    refused = invoke("promote", "--data", "good.csv", code=1)
    assert f"{noisy} is refused: roc_auc" in refused
    table = refused.splitlines()  # the side-by-side table, printed either way
    assert any("production" in line and "candidate" in line for line in table)
    assert any(first in line and noisy in line for line in table)
    assert any(line.startswith("│ roc_auc *") for line in table)
    assert production_version(MODELS) == first

    raw_frame = pd.read_csv("good.csv")
    raw_frame.head(99).to_csv("few.csv", index=False)
    too_few = invoke("promote", "--data", "few.csv", code=1)
    assert "99 labelled rows, fewer than the 100 the gate needs" in too_few
    assert production_version(MODELS) == first

    assert "--reason" in invoke("promote", "--force", code=1)
    invoke("promote", noisy, "--data", "good.csv", "--force", "--reason", "demo of an override")
    assert production_version(MODELS) == noisy
    forced = read_history(MODELS)[-1]
    assert (forced["event"], forced["reason"], forced["previous"]) == (
        "force",
        "demo of an override",
        first,
    )

    promoted = invoke("train", "--data", "good.csv", "--promote")
    (third,) = set(versions()) - {first, noisy}
    assert f"{third} passes" in promoted
    assert production_version(MODELS) == third

    listing = invoke("models", "list")
    assert all(name in listing for name in (first, noisy, third))
    assert f"production: {third}" in listing
    assert "roc_auc" in listing
    shown = invoke("models", "show", noisy)
    assert "Model card" in shown
    assert "every file matches manifest.json" in shown
    assert "one-hot encoding of the schema's levels" in " ".join(shown.split())  # wrapped, not cut

    assert noisy in invoke("rollback", "--reason", "third misbehaves")
    assert production_version(MODELS) == noisy
    invoke("rollback")
    assert production_version(MODELS) == first
    assert "no earlier production version" in invoke("rollback", code=1)
    assert "third misbehaves" in invoke("models", "history")


def test_models_compare_takes_version_ids_and_production(project: Path) -> None:
    invoke("train", "--data", "good.csv")
    (first,) = versions()
    invoke("train", "--data", "noise.csv")
    (noisy,) = set(versions()) - {first}
    worse = invoke("models", "compare", "production", noisy, "--data", "good.csv", code=1)
    assert "the new model is worse" in worse
    assert f"for {first}" in worse  # production, named by its version
    assert "passes" in invoke("models", "compare", noisy, first, "--data", "good.csv")
    Path("few.csv").write_text("".join(Path("good.csv").read_text().splitlines(True)[:51]))
    few = invoke("models", "compare", first, noisy, "--data", "few.csv", code=1)
    assert "too few rows to compare" in few
    assert "50 labelled rows, fewer than the 100" in few
    assert "worse" not in few
    missing = invoke("models", "compare", first, "no-such-version", code=1)
    assert "no model version no-such-version" in missing


def test_a_candidate_that_differs_only_by_seed_passes_the_gate(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoke("train", "--data", "good.csv")
    monkeypatch.setenv("CHURN_SEED", "7")  # another split and another fit, the same data
    invoke("train", "--data", "good.csv")
    promoted = invoke("promote", "--data", "good.csv")
    assert "passes" in promoted
    assert "95% interval of the gain" in promoted


def test_promote_without_a_candidate_says_so(project: Path) -> None:
    assert "run train first" in invoke("promote", code=1)
    assert "no production model in models/ to roll back" in invoke("rollback", code=1)
    invoke("train", "--data", "good.csv")
    assert "already production" in invoke("promote", code=1)
    assert "no model version v9" in invoke("promote", "v9", code=1)


def test_reading_the_store_and_rolling_back_load_no_training_stack(
    project: Path, models_dir: Path
) -> None:
    """An operator's `models list|show|history|compare` and `rollback` answer without loading
    pandas or scikit-learn (seconds of imports): only scoring a candidate needs them."""
    shutil.copytree(models_dir, MODELS)
    Path("accepted.json").write_text(json.dumps({"roc_auc": 0.80}))
    runs = [
        ["models", "list"],
        ["models", "show"],
        ["models", "history"],
        ["models", "compare", "accepted.json", "accepted.json"],
        ["rollback"],  # refused: one production version so far
    ]
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from {{ cookiecutter.package_name }}.cli import app\n"
        f"codes = [CliRunner().invoke(app, run).exit_code for run in {runs!r}]\n"
        "print(codes, sorted({'pandas', 'sklearn'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines()[-1] == "[0, 0, 0, 0, 1] []", done.stdout


def test_models_list_fails_when_production_is_missing_or_broken(
    project: Path, models_dir: Path
) -> None:
    shutil.copytree(models_dir, MODELS)
    production = production_version(MODELS)
    assert production is not None
    metadata = MODELS / "versions" / production / "metadata.json"
    metadata.write_text(metadata.read_text() + " ")
    listing = invoke("models", "list", code=1)
    assert f"the production version {production} cannot be loaded" in listing
    (MODELS / "versions" / production).rename(MODELS / "versions" / "20200101T000000Z-0badf00d")
    listing = invoke("models", "list", code=1)
    assert f"production names {production}, which is not in models/versions/" in listing
    (MODELS / "production.json").unlink()  # a clone that got the versions alone
    listing = invoke("models", "list", code=1)
    assert "no production version: models/production.json is missing" in listing


def _garbage(path: Path) -> None:
    path.write_bytes(b"not an ONNX graph")


def _empty(path: Path) -> None:
    path.write_bytes(b"")


@pytest.mark.parametrize(
    "damage", [_garbage, _empty, Path.unlink], ids=["garbage", "empty", "gone"]
)
def test_a_model_file_serving_refuses_shows_as_broken(
    project: Path, models_dir: Path, damage: Callable[[Path], None]
) -> None:
    """The manifest is re-hashed after the damage: only loading the model catches it."""
    shutil.copytree(models_dir, MODELS)
    production = production_version(MODELS)
    assert production is not None
    folder = MODELS / "versions" / production
    damage(folder / ONNX_FILE)
    write_manifest(folder, production)
    listing = invoke("models", "list", code=1)
    assert "broken" in listing
    assert f"{production} cannot be loaded: models/versions/{production}/{ONNX_FILE}" in listing
    shown = invoke("models", "show", code=1)
    assert f"error: {production} cannot be loaded: " in shown
    assert len(shown.strip().splitlines()[-1]) > len("error: ")


@pytest.mark.parametrize(
    ("line", "why"),
    [
        (b'{"event": "promote", "at": "2026-01-01T00:00:00Z"}', "no version named"),
        (b'{"event": "promote", "version": "caf\xe9"}', "not UTF-8 text"),
        (b'{"event": "promo', "not JSON"),
        (b'["promote"]', "not a JSON object"),
    ],
    ids=["no-version", "not-utf8", "torn", "not-object"],
)
def test_a_damaged_history_line_is_skipped_with_a_warning(
    project: Path, models_dir: Path, caplog: pytest.LogCaptureFixture, line: bytes, why: str
) -> None:
    shutil.copytree(models_dir, MODELS)
    first = production_version(MODELS)
    assert first is not None
    clone_version(MODELS, "20990101T000000Z-0000beef")
    set_production(MODELS, "20990101T000000Z-0000beef", "promote", "a test")
    history = MODELS / "history.jsonl"
    lines = history.read_bytes().splitlines()
    history.write_bytes(b"\n".join([lines[0], line, *lines[1:]]) + b"\n")
    assert "20990101T000000Z-0000beef" in invoke("models", "history")
    assert f"line 2 skipped: {why}" in caplog.text
    invoke("rollback")
    assert production_version(MODELS) == first


def test_a_production_that_no_longer_loads_is_replaced_with_force_and_not_rolled_back_to(
    project: Path, models_dir: Path
) -> None:
    """A damaged production (or one trained before a schema change) cannot be scored by the
    gate: `promote --force` replaces it, and `rollback` refuses to return to it."""
    shutil.copytree(models_dir, MODELS)
    old = production_version(MODELS)
    new = clone_version(MODELS, "20990101T000000Z-0000c0de").name
    (MODELS / "versions" / str(old) / ONNX_FILE).write_bytes(b"not an ONNX graph")

    refused = invoke("promote", new, code=1)
    assert f"production {old} cannot be scored" in refused
    assert "--force" in refused
    assert production_version(MODELS) == old

    invoke("promote", new, "--force", "--reason", "production is damaged")
    assert production_version(MODELS) == new
    assert read_history(MODELS)[-1]["event"] == "force"

    assert f"cannot roll back to {old}" in invoke("rollback", code=1)
    assert production_version(MODELS) == new


def test_published_versions_are_never_overwritten(project: Path) -> None:
    invoke("train", "--data", "good.csv")
    assert len(versions()) == 1
    before = {
        path: path.read_bytes() for path in (MODELS / "versions").rglob("*") if path.is_file()
    }
    invoke("train", "--data", "good.csv")
    assert len(versions()) == 2
    assert all(path.read_bytes() == content for path, content in before.items())


def test_ci_compare_fails_a_worse_model_with_the_table(project: Path) -> None:
    Path("accepted.json").write_text(json.dumps({"roc_auc": 0.80, "f1": 0.5}))
    Path("better.json").write_text(json.dumps({"roc_auc": 0.81, "f1": 0.4}))
    Path("worse.json").write_text(json.dumps({"roc_auc": 0.70, "f1": 0.6}))
    assert "passes" in invoke("models", "compare", "accepted.json", "better.json")
    worse = invoke("models", "compare", "accepted.json", "worse.json", code=1)
    assert "the new model is worse" in worse
    assert "0.8000" in worse
    assert "0.7000" in worse


def test_models_compare_prints_every_metric_with_its_interval(project: Path) -> None:
    invoke("train", "--data", "good.csv")
    (first,) = versions()
    clone_version(MODELS, "20300101T000000Z-00000000")
    shown = invoke("models", "compare", first, "20300101T000000Z-00000000", "--data", "good.csv")
    rows = {line.strip("│ ").split()[0]: line for line in shown.splitlines() if "│" in line}
    for metric in ("roc_auc", "pr_auc", "f1", "brier", "log_loss"):
        # The same model twice: every paired difference, and so every interval, is zero.
        assert "[+0.0000, +0.0000]" in rows[metric], shown


def test_prune_keeps_the_newest_production_and_the_rollback_target(project: Path) -> None:
    invoke("train", "--data", "good.csv")
    (first,) = versions()
    later = [f"20300101T00000{i}Z-0000000{i}" for i in range(1, 5)]
    for name in later:
        clone_version(MODELS, name)
    set_production(MODELS, later[1], "promote")  # production; rollback would restore `first`
    assert "2 version(s) would be removed" in invoke("models", "prune", "--keep", "1", "--dry-run")
    assert len(versions()) == 5
    pruned = invoke("models", "prune", "--keep", "1")
    assert f"removed {later[0]}\nremoved {later[2]}\n" in pruned
    assert versions() == sorted([first, later[1], later[3]])
    assert invoke("rollback").startswith(f"Rolled back from {later[1]}: {first}")
    assert "--keep" in invoke("models", "prune", "--keep", "0", code=2)  # a usage error
    assert len(versions()) == 3
