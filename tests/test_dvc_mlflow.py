"""The use_dvc and experiment_tracking options: what each bakes, and the pipeline it runs."""

from __future__ import annotations

import ast
import re
import shlex
import time
from pathlib import Path
from typing import Any

import pytest

from bakery import (
    SLOW_TIMEOUT,
    Baker,
    combinations,
    load_hook,
    outcome,
    run,
    running_python,
    timed,
    tool_env,
)

post_gen = load_hook("post_gen_project")

DVC_ONLY = ("dvc.yaml", "params.yaml", ".dvcignore")


def cli_commands(project: Path, package: str) -> set[str]:
    """Return the CLI's command paths (`train`, `data split`, ...) read from cli.py."""
    tree = ast.parse((project / "src" / package / "cli.py").read_text(encoding="utf-8"))
    prefixes = {"app": "", "data_app": "data "}
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if not (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr == "command"
                and isinstance(decorator.func.value, ast.Name)
                and decorator.func.value.id in prefixes
            ):
                continue
            name = node.name.replace("_", "-")
            if decorator.args and isinstance(decorator.args[0], ast.Constant):
                name = str(decorator.args[0].value)
            found.add(prefixes[decorator.func.value.id] + name)
    return found


def has_key(params: dict[str, Any], dotted: str) -> bool:
    """Tell whether `a.b.c` names a key in the nested mapping."""
    node: Any = params
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


@pytest.mark.parametrize("answers", combinations("use_dvc", "experiment_tracking"))
def test_each_combination_moves_its_variants_into_place(
    baked: Baker, answers: dict[str, Any]
) -> None:
    """It keeps one tracking.py and one settings file (params.yaml with DVC)."""
    project = baked(**answers)
    files = project.files()
    assert project.has_file("src/{package_name}/pipelines/tracking.py")
    assert not project.has_file("src/{package_name}/pipelines/tracking_mlflow.py")
    assert project.has_file("{__config_file}")
    if answers["use_dvc"]:
        assert set(DVC_ONLY) <= files
        # params.yaml holds the settings; configs/ keeps only the tuned file dvc.yaml lists
        assert {path for path in files if path.startswith("configs/")} == {"configs/tuned.yaml"}
    else:
        assert not set(DVC_ONLY) & files
    mlflow = answers["experiment_tracking"] == "mlflow"
    assert project.has_file("tests/unit/test_tracking_mlflow.py") == mlflow
    assert ("mlflow-ui:" in project.read("Makefile")) == mlflow
    assert f"CONFIG ?= {project.answers['__config_file']}" in project.read("Makefile")
    assert ("dvc" in project.read("pyproject.toml").lower()) == answers["use_dvc"]


def test_without_mlflow_no_file_mentions_it(baked: Baker) -> None:
    """It leaves no MLflow import, dependency, target or note when tracking is none."""
    assert baked(experiment_tracking="none", use_dvc=True).grep("(?i)mlflow") == []


def test_with_mlflow_it_adds_the_dependency_and_a_lazy_tracker(baked: Baker) -> None:
    """It declares mlflow, ignores its store, and its tracking module imports it lazily."""
    project = baked(experiment_tracking="mlflow")
    assert re.search(r'^\s+"mlflow>=', project.read("pyproject.toml"), re.MULTILINE)
    assert "mlflow.db" in project.read(".gitignore")
    tree = ast.parse(project.read("src/{package_name}/pipelines/tracking.py"))
    top_level = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert not any("mlflow" in ast.dump(node) for node in top_level)


def test_dvc_yaml_stages_call_existing_commands_and_known_params(baked: Baker) -> None:
    """Every stage runs a real CLI command and reads params that params.yaml defines."""
    baked_project = baked(use_dvc=True)
    project, package = baked_project.path, baked_project.package
    pipeline = baked_project.yaml("dvc.yaml")
    params = baked_project.yaml("params.yaml")
    commands = cli_commands(project, package)
    assert {"data generate", "data validate", "data split", "fit", "evaluate", "train"} <= commands
    stages = pipeline["stages"]
    assert list(stages) == ["prepare", "validate", "split", "train", "evaluate"]
    for name, stage in stages.items():
        words = shlex.split(stage["cmd"])
        assert words[:3] == ["python", "-m", package], name
        command = " ".join(word for word in words[3:] if not word.startswith("-"))
        assert command in commands, f"{name}: {stage['cmd']}"
        for key in stage.get("params", []):
            assert has_key(params, key), f"{name}: params key {key!r} not in params.yaml"
        for dep in stage.get("deps", []):
            if dep.startswith("src/"):
                assert (project / dep).exists(), f"{name}: missing dep {dep}"
    evaluate = stages["evaluate"]
    assert evaluate["metrics"] == [{"reports/metrics.json": {"cache": False}}]
    plots = {next(iter(entry)) for entry in evaluate["plots"]}
    assert {"reports/plots/roc.csv", "reports/plots/precision_recall.csv"} <= plots
    assert "dvc repro" in baked_project.read("Makefile")
    guide = baked_project.read("docs/dvc.md")
    for remote in ("s3://", "gs://", "azure://"):
        assert f"dvc remote add -d storage {remote}" in guide
    assert "dvc push" in guide
    assert re.search(r'^\s+"dvc>=', baked_project.read("pyproject.toml"), re.MULTILINE)


def test_with_dvc_git_keeps_the_pointer_and_the_uncached_reports(baked: Baker) -> None:
    """A clone plus `dvc pull` serves the same production version and diffs the plots."""
    project = baked(use_dvc=True)
    project.git("init", "-q")
    committed = [
        "models/production.json",
        "models/history.jsonl",
        "reports/metrics.json",
        "reports/feature_importance.csv",
        "reports/plots/roc.csv",
        "reports/figures/roc_curve.png",
    ]
    left_out = ["models/versions/v1/model.onnx", "data/raw/telco_churn.csv", "dvc_plots/index.html"]
    ignored = run(["git", "check-ignore", "--no-index", *committed, *left_out], cwd=project.path)
    assert ignored.stdout.split() == left_out, outcome(ignored)


def test_hook_without_dvc_warns_and_keeps_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It prints how to run `dvc init` by hand when dvc is nowhere, and changes nothing."""
    (tmp_path / ".git").mkdir()
    monkeypatch.setattr(post_gen.shutil, "which", lambda name: None)
    assert post_gen.init_dvc(tmp_path, {}) is False
    err = capsys.readouterr().err
    assert "WARNING: DVC initialisation did not complete" in err
    assert "pipx install dvc" in err
    assert "    dvc init" in err
    assert sorted(path.name for path in tmp_path.iterdir()) == [".git"]


def test_a_dvc_bake_without_git_says_how_to_set_both_up(
    fresh: Baker, capfd: pytest.CaptureFixture[str]
) -> None:
    """`make repro` needs a DVC repository, which needs git: the hook names the commands."""
    project = fresh(use_dvc=True, init_git=False)
    err = capfd.readouterr().err
    assert "WARNING: DVC initialisation did not complete (there is no git repository" in err
    assert "    git init -b main\n" in err
    assert "    dvc init\n" in err
    assert not (project.path / ".git").exists()
    assert project.has_file("dvc.yaml")


# --- slow tier: real environments -------------------------------------------------------

SLOW_COMBOS = [
    pytest.param("poetry", True, "none", id="poetry-dvc"),
    pytest.param("uv", False, "mlflow", id="uv-mlflow"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("manager", "use_dvc", "tracking"), SLOW_COMBOS)
def test_the_pipeline_runs_in_a_real_environment(
    fresh: Baker, tmp_path: Path, manager: str, use_dvc: bool, tracking: str
) -> None:
    """With DVC, repro runs every stage then nothing; with MLflow, make train logs a run."""
    baked_project = fresh(
        dependency_manager=manager,
        use_dvc=use_dvc,
        experiment_tracking=tracking,
        **running_python(),
    )
    baked_project.install(tmp_path)
    project, venv_bin = baked_project.path, baked_project.venv_bin
    if use_dvc:  # dvc init ran after git and was committed on its own
        assert (project / ".dvc" / "config").is_file()
        assert baked_project.git("log", "--format=%s") == [
            post_gen.DVC_COMMIT_MESSAGE,
            post_gen.COMMIT_MESSAGE,
        ]
        assert baked_project.git("ls-files", ".dvcignore") == [".dvcignore"]
        start = time.perf_counter()
        proc = timed("make repro", ["make", "repro"], project)
        assert proc.returncode == 0, outcome(proc)
        print(f"[slow] first repro {time.perf_counter() - start:.1f}s")
        for stage in ("prepare", "validate", "split", "train", "evaluate"):
            assert f"Running stage '{stage}'" in proc.stdout, outcome(proc)
        assert (project / "reports" / "metrics.json").is_file()
        assert (project / "dvc.lock").is_file()
        env = {**tool_env(), "PATH": f"{venv_bin}:{tool_env()['PATH']}"}
        again = run([venv_bin / "dvc", "repro"], cwd=project, env=env, timeout=SLOW_TIMEOUT)
        assert again.returncode == 0, outcome(again)
        assert "Running stage" not in again.stdout, outcome(again)
        assert "up to date" in again.stdout, outcome(again)
        metrics = run([venv_bin / "dvc", "metrics", "show"], cwd=project, env=env)
        assert metrics.returncode == 0, outcome(metrics)
        assert "roc_auc" in metrics.stdout, outcome(metrics)
    if tracking == "mlflow":
        proc = timed("make train", ["make", "train"], project)
        assert proc.returncode == 0, outcome(proc)
        query = (
            "import mlflow\n"
            "runs = mlflow.search_runs(experiment_names=[mlflow.get_experiment_by_name("
            "'customer-churn-prediction').name], output_format='list')\n"
            "print(len(runs), sorted(runs[0].data.metrics)[:3])\n"
        )
        env = {**tool_env(), "MLFLOW_TRACKING_URI": "sqlite:///mlflow.db"}
        found = run([venv_bin / "python", "-c", query], cwd=project, env=env)
        assert found.returncode == 0, outcome(found)
        assert found.stdout.startswith("1 "), outcome(found)
        assert any((project / "mlartifacts").rglob("roc_curve.png"))
    proc = timed("make test", ["make", "test"], project)
    assert proc.returncode == 0, outcome(proc)
