"""The use_dvc and experiment_tracking options: what each bakes, and the pipeline it runs."""

from __future__ import annotations

import ast
import re
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bakery import (
    assert_ready_with_lock,
    baked_files,
    expected_files,
    git_lines,
    leftover_jinja,
    load_hook,
    outcome,
    parse_errors,
    render_hook,
    run,
    running_python,
    text_files,
    timed,
    tool_env,
)

post_gen = load_hook("post_gen_project")
pre_gen = load_hook("pre_gen_project")

DVC_ONLY = ("dvc.yaml", "params.yaml", ".dvcignore")
COMBOS = [
    pytest.param({"use_dvc": False, "experiment_tracking": "none"}, id="plain"),
    pytest.param({"use_dvc": True, "experiment_tracking": "none"}, id="dvc"),
    pytest.param({"use_dvc": False, "experiment_tracking": "mlflow"}, id="mlflow"),
    pytest.param({"use_dvc": True, "experiment_tracking": "mlflow"}, id="dvc-mlflow"),
]
SLOW_TIMEOUT = 1500


def bake(cookies: Any, **answers: Any) -> tuple[Path, dict[str, Any]]:
    """Bake without git or an environment (unless overridden); return path and answers."""
    context = {"init_git": False, "create_env": False, **answers}
    result = cookies.bake(extra_context=context)
    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0
    return Path(result.project_path), dict(result.context)


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


@pytest.mark.parametrize("options", COMBOS)
def test_each_combination_bakes_exactly_its_files(cookies: Any, options: dict[str, Any]) -> None:
    """It bakes the expected files and only those, with nothing left unrendered."""
    project, answers = bake(cookies, **options)
    files = baked_files(project)
    assert files == expected_files(answers)
    assert leftover_jinja(project) == []
    assert parse_errors(project) == []
    package = answers["package_name"]
    tracking = f"src/{package}/pipelines/tracking.py"
    assert tracking in files
    assert f"src/{package}/pipelines/tracking_mlflow.py" not in files
    if options["use_dvc"]:
        assert set(DVC_ONLY) <= files
        assert not any(path.startswith("configs/") for path in files)
    else:
        assert not set(DVC_ONLY) & files
        assert "configs/config.yaml" in files
    mlflow_test = "tests/unit/test_tracking_mlflow.py"
    assert (mlflow_test in files) == (options["experiment_tracking"] == "mlflow")


def test_without_mlflow_no_file_mentions_it(cookies: Any) -> None:
    """It leaves no MLflow import, dependency, target or note when tracking is none."""
    project, _ = bake(cookies, experiment_tracking="none", use_dvc=True)
    hits = [
        f"{path.relative_to(project)}:{number}"
        for path in text_files(project)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "mlflow" in line.lower()
    ]
    assert hits == []


def test_with_mlflow_it_adds_the_dependency_the_target_and_the_tracker(cookies: Any) -> None:
    """It declares mlflow, a mlflow-ui target, and a tracking module that logs lazily."""
    project, answers = bake(cookies, experiment_tracking="mlflow")
    pyproject = (project / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^\s+"mlflow>=', pyproject, re.MULTILINE)
    assert "mlflow-ui:" in (project / "Makefile").read_text(encoding="utf-8")
    assert "mlflow.db" in (project / ".gitignore").read_text(encoding="utf-8")
    module = project / "src" / answers["package_name"] / "pipelines" / "tracking.py"
    tree = ast.parse(module.read_text(encoding="utf-8"))
    top_level = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
    assert not any("mlflow" in ast.dump(node) for node in top_level)


def test_dvc_yaml_stages_call_existing_commands_and_known_params(cookies: Any) -> None:
    """Every stage runs a real CLI command and reads params that params.yaml defines."""
    project, answers = bake(cookies, use_dvc=True)
    package = answers["package_name"]
    pipeline = yaml.safe_load((project / "dvc.yaml").read_text(encoding="utf-8"))
    params = yaml.safe_load((project / "params.yaml").read_text(encoding="utf-8"))
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
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    assert "CONFIG ?= params.yaml" in makefile
    assert "dvc repro" in makefile
    readme = (project / "README.md").read_text(encoding="utf-8")
    for remote in ("s3://", "gs://", "azure://"):
        assert f"dvc remote add -d storage {remote}" in readme
    assert "dvc push" in readme
    assert re.search(r'^\s+"dvc>=', (project / "pyproject.toml").read_text(), re.MULTILINE)


def test_without_dvc_the_config_stays_in_configs(cookies: Any) -> None:
    """It keeps configs/config.yaml as the Makefile's CONFIG and adds no dvc dependency."""
    project, _ = bake(cookies, use_dvc=False)
    assert "CONFIG ?= configs/config.yaml" in (project / "Makefile").read_text(encoding="utf-8")
    assert "dvc" not in (project / "pyproject.toml").read_text(encoding="utf-8").lower()


@pytest.mark.parametrize("tracker", ["wandb", "", "MLflow"])
def test_pre_gen_refuses_an_unknown_tracker(tracker: str) -> None:
    """It names the refused experiment_tracking answer and the offered ones."""
    error = pre_gen.check_experiment_tracking(tracker)
    assert error is not None
    assert "experiment_tracking" in error
    assert "none, mlflow" in error


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


# --- slow tier: real environments -------------------------------------------------------

SLOW_COMBOS = [
    pytest.param("poetry", True, "none", id="poetry-dvc"),
    pytest.param("uv", False, "mlflow", id="uv-mlflow"),
]


def bake_with_env(cookies: Any, tmp_path: Path, manager: str, use_dvc: bool, tracking: str) -> Path:
    """Bake, then run the rendered post-gen hook with git and create_env (see Poetry note)."""
    answers = {
        "dependency_manager": manager,
        "use_dvc": use_dvc,
        "experiment_tracking": tracking,
        **running_python(),
    }
    project, context = bake(cookies, **answers)
    if manager == "poetry":
        # The mirror here serves Poetry no PEP 691 JSON: see test_dependency_managers.
        source = ["poetry", "source", "add", "--priority=primary", "pypi-html"]
        proc = timed("poetry source add", [*source, "https://pypi.org/simple/"], project)
        assert proc.returncode == 0, outcome(proc)
    hook = render_hook(
        "post_gen_project",
        {**context, "init_git": True, "create_env": True},
        tmp_path / "post_gen_project.py",
    )
    proc = timed(f"post-gen hook with {manager}", [sys.executable, hook], project)
    assert proc.returncode == 0, outcome(proc)
    assert "WARNING" not in proc.stderr, outcome(proc)
    assert_ready_with_lock(project, manager)
    if use_dvc:  # dvc init ran after git and was committed on its own
        assert (project / ".dvc" / "config").is_file()
        assert git_lines(project, "log", "--format=%s") == [
            post_gen.DVC_COMMIT_MESSAGE,
            post_gen.COMMIT_MESSAGE,
        ]
        assert git_lines(project, "ls-files", ".dvcignore") == [".dvcignore"]
    return project


@pytest.mark.slow
@pytest.mark.parametrize(("manager", "use_dvc", "tracking"), SLOW_COMBOS)
def test_the_pipeline_runs_in_a_real_environment(
    cookies: Any, tmp_path: Path, manager: str, use_dvc: bool, tracking: str
) -> None:
    """With DVC, repro runs every stage then nothing; with MLflow, make train logs a run."""
    project = bake_with_env(cookies, tmp_path, manager, use_dvc, tracking)
    venv_bin = project / ".venv" / "bin"
    if use_dvc:
        assert git_lines(project, "log", "--format=%s")[0] == post_gen.DVC_COMMIT_MESSAGE
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
