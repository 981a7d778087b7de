"""The dependency_manager option: pip, Poetry 2 and uv each bake, lock and install `.venv`."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from bakery import (
    LOCK_FILES,
    baked_files,
    clean_env,
    default_answers,
    expected_files,
    git_lines,
    leftover_jinja,
    load_hook,
    outcome,
    parse_errors,
    run,
    tomllib,
    tool,
    workflow_errors,
)

post_gen = load_hook("post_gen_project")

MANAGERS = ("pip", "poetry", "uv")
# What each manager's install looks like in the Makefile, README and CI workflow.
INSTALL_LINES = {
    "pip": '-e ".[dev]"',
    "poetry": "poetry install --extras dev",
    "uv": "uv sync --extra dev",
}
INSTALL_HINTS = {"poetry": "pipx install poetry", "uv": "pipx install uv"}


def _bake(cookies: Any, base_context: dict[str, Any], **answers: Any) -> tuple[Path, dict]:
    """Bake with the base answers plus `answers`; return the project and its context."""
    result = cookies.bake(extra_context={**base_context, **answers})
    assert result.exception is None, repr(result.exception)
    assert result.exit_code == 0
    return result.project_path, result.context


def _bin_dir(path: Path, *names: str) -> Path:
    """Make a folder holding python (this interpreter) and the named host commands."""
    path.mkdir(parents=True, exist_ok=True)
    for name in ("python", "python3"):
        (path / name).symlink_to(sys.executable)
    for name in names:
        found = shutil.which(name)
        assert found is not None, f"{name} is needed on PATH for this test"
        (path / name).symlink_to(found)
    return path


FAKE_TOOL = """\
#!{python}
# A stand-in for {name}: logs its call; `lock` writes the lock file, other calls make .venv.
import json, os, pathlib, sys
record = {{"args": sys.argv[1:], "cwd": os.getcwd()}}
for key in ("VIRTUAL_ENV", "POETRY_VIRTUALENVS_IN_PROJECT"):
    record[key] = os.environ.get(key)
with open(os.environ["FAKE_TOOL_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
if os.environ.get("FAKE_TOOL_FAILS"):
    sys.exit("{name}: simulated failure")
if sys.argv[1:2] == ["lock"]:
    pathlib.Path("{lock}").write_text("# locked by a fake {name}\\n", encoding="utf-8")
else:
    pathlib.Path(".venv", "bin").mkdir(parents=True, exist_ok=True)
"""


def _fake_tool(bin_dir: Path, manager: str) -> Path:
    """Put a fake `poetry`/`uv` in `bin_dir` that records its calls in a log file."""
    script = bin_dir / manager
    text = FAKE_TOOL.format(python=sys.executable, name=manager, lock=LOCK_FILES[manager])
    script.write_text(text, encoding="utf-8")
    script.chmod(0o755)
    return bin_dir / "calls.jsonl"


def _calls(log: Path) -> list[dict[str, Any]]:
    """Read the fake tool's call log."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


# Fast tier ----------------------------------------------------------------------------


@pytest.mark.parametrize("manager", MANAGERS)
def test_it_bakes_a_clean_project_for_each_manager(
    cookies: Any, base_context: dict[str, Any], manager: str
) -> None:
    """It writes exactly the expected files (poetry.toml only for Poetry), all clean."""
    project, answers = _bake(cookies, base_context, dependency_manager=manager)

    files = baked_files(project)
    assert files == expected_files(answers)
    assert ("poetry.toml" in files) == (manager == "poetry")
    assert not {"poetry.lock", "uv.lock"} & files  # only made by the hook with create_env
    assert leftover_jinja(project) == []
    assert parse_errors(project) == []
    assert len(git_lines(project, "rev-list", "HEAD")) == 1
    assert git_lines(project, "status", "--porcelain") == []
    for command in (("check", "--no-cache", "."), ("format", "--check", "--no-cache", ".")):
        proc = run(tool("ruff", *command), cwd=project)
        assert proc.returncode == 0, outcome(proc)
    workflows = sorted((project / ".github" / "workflows").glob("*.y*ml"))
    assert workflows
    assert workflow_errors(workflows, cwd=project) is None


@pytest.mark.parametrize("manager", MANAGERS)
def test_pyproject_is_one_pep621_project_with_a_dev_extra(
    cookies: Any, base_context: dict[str, Any], manager: str
) -> None:
    """It keeps the metadata in [project] for every manager, dev tools as the `dev` extra."""
    project, answers = _bake(cookies, base_context, dependency_manager=manager)
    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))

    meta = pyproject["project"]
    assert meta["name"] == answers["project_slug"]
    assert meta["version"]
    assert meta["requires-python"] == ">=3.10"
    assert meta["dependencies"]
    assert any(dep.startswith("ruff") for dep in meta["optional-dependencies"]["dev"])
    assert meta["scripts"][answers["project_slug"]] == f"{answers['package_name']}.cli:app"
    # Hatchling builds for pip, uv and Poetry 2 (which installs it editable, too).
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    # No second copy of the metadata: Poetry's table only marks dependency groups optional.
    poetry_groups = pyproject.get("tool", {}).get("poetry", {"group": {}})
    assert set(poetry_groups) == {"group"}
    assert all(group == {"optional": True} for group in poetry_groups["group"].values())
    if manager == "poetry":
        poetry_toml = tomllib.loads((project / "poetry.toml").read_text(encoding="utf-8"))
        assert poetry_toml["virtualenvs"]["in-project"] is True


@pytest.mark.parametrize("manager", MANAGERS)
def test_makefile_readme_and_ci_follow_the_manager(
    cookies: Any, base_context: dict[str, Any], manager: str
) -> None:
    """It installs with the chosen tool in `make venv`, the README and the workflow only."""
    project, _ = _bake(cookies, base_context, dependency_manager=manager)
    make = shutil.which("make")
    assert make is not None

    dry_run = run([make, "-n", "venv"], cwd=project)
    assert dry_run.returncode == 0, outcome(dry_run)
    readme = (project / "README.md").read_text(encoding="utf-8")
    workflow = (project / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    for other, line in INSTALL_LINES.items():
        assert (line in dry_run.stdout) == (other == manager), f"make -n venv: {line}"
        assert (line in readme) == (other == manager), f"README: {line}"
        assert (line in workflow) == (other == manager), f"ci.yml: {line}"
    # The other targets are manager-independent: they run the tools from .venv/bin.
    lint = run([make, "-n", "lint"], cwd=project)
    assert ".venv/bin/ruff check ." in lint.stdout, outcome(lint)
    if manager == "uv":
        assert "astral-sh/setup-uv@" in workflow
        assert "uv sync --extra dev --locked" in workflow
    if manager == "poetry":
        assert "pipx install poetry" in workflow
        assert "poetry check --lock" in workflow


@pytest.mark.parametrize("manager", ["poetry", "uv"])
def test_make_venv_without_the_tool_says_how_to_install_it(
    cookies: Any, base_context: dict[str, Any], tmp_path: Path, manager: str
) -> None:
    """It stops `make venv` with one line naming the missing tool and its install command."""
    project, _ = _bake(cookies, base_context, dependency_manager=manager)
    make = shutil.which("make")
    assert make is not None
    only_python = _bin_dir(tmp_path / "bin")

    proc = run([make, "venv"], cwd=project, env=clean_env(PATH=str(only_python)))

    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, outcome(proc)
    assert f"{manager} not found" in errors[0]
    assert INSTALL_HINTS[manager] in errors[0]
    assert not (project / ".venv").exists()


@pytest.mark.parametrize("manager", ["poetry", "uv"])
def test_hook_without_the_tool_warns_and_keeps_the_project(
    cookies: Any,
    base_context: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    manager: str,
) -> None:
    """It commits the project, then prints how to install the tool and what to run."""
    monkeypatch.setenv("PATH", str(_bin_dir(tmp_path / "bin", "git")))

    project, _ = _bake(
        cookies, base_context, dependency_manager=manager, init_git=True, create_env=True
    )
    monkeypatch.undo()
    err = capfd.readouterr().err

    assert f"WARNING: environment creation did not complete ({manager} was not found" in err
    assert INSTALL_HINTS[manager] in err
    assert f"    {manager} lock\n" in err
    assert f'git add {LOCK_FILES[manager]} && git commit -m "Add {LOCK_FILES[manager]}"' in err
    assert INSTALL_LINES[manager] in err
    assert (project / "pyproject.toml").is_file()
    assert not (project / ".venv").exists()
    assert len(git_lines(project, "rev-list", "HEAD")) == 1
    assert git_lines(project, "status", "--porcelain") == []


@pytest.mark.parametrize("manager", ["poetry", "uv"])
def test_hook_commits_the_lock_file_then_installs(
    cookies: Any,
    base_context: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    manager: str,
) -> None:
    """It locks before the first commit, installs after it and stamps `.venv` (fake tool)."""
    bin_dir = _bin_dir(tmp_path / "bin", "git")
    log = _fake_tool(bin_dir, manager)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_TOOL_LOG", str(log))
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "someone-elses-venv"))

    project, _ = _bake(
        cookies, base_context, dependency_manager=manager, init_git=True, create_env=True
    )
    monkeypatch.undo()

    lock = LOCK_FILES[manager]
    assert git_lines(project, "ls-files", lock) == [lock]
    assert len(git_lines(project, "rev-list", "HEAD")) == 1
    assert git_lines(project, "status", "--porcelain") == []
    assert (project / ".venv" / ".installed").is_file()
    calls = _calls(log)
    args = [call["args"] for call in calls]
    if manager == "poetry":
        assert args[0] == ["lock"]
        assert args[1][:2] == ["env", "use"]
        assert args[2] == ["install", "--extras", "dev"]
        assert {call["POETRY_VIRTUALENVS_IN_PROJECT"] for call in calls} == {"true"}
    else:
        assert args[0] == ["lock"]
        assert args[1][:3] == ["sync", "--extra", "dev"]
    assert len(args) == (3 if manager == "poetry" else 2)
    assert {call["VIRTUAL_ENV"] for call in calls} == {None}  # never the caller's venv
    assert {Path(call["cwd"]).resolve() for call in calls} == {project.resolve()}


@pytest.mark.parametrize("manager", ["poetry", "uv"])
def test_hook_with_a_failing_lock_warns_and_keeps_the_project(
    cookies: Any,
    base_context: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    manager: str,
) -> None:
    """It keeps the committed project, skips the install and names the commands to run.

    This is what `poetry lock` does on a machine whose PyPI mirror serves only the HTML
    simple API (Poetry 2 asks for PEP 691 JSON); a fake tool makes it fast and certain.
    """
    bin_dir = _bin_dir(tmp_path / "bin", "git")
    log = _fake_tool(bin_dir, manager)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("FAKE_TOOL_LOG", str(log))
    monkeypatch.setenv("FAKE_TOOL_FAILS", "1")

    project, _ = _bake(
        cookies, base_context, dependency_manager=manager, init_git=True, create_env=True
    )
    monkeypatch.undo()
    err = capfd.readouterr().err

    assert f"WARNING: locking the dependencies did not complete ({manager} lock failed)" in err
    assert INSTALL_LINES[manager] in err
    assert [call["args"] for call in _calls(log)] == [["lock"]]  # no install attempted
    assert (project / "pyproject.toml").is_file()
    assert not (project / ".venv" / ".installed").exists()
    assert len(git_lines(project, "rev-list", "HEAD")) == 1
    assert git_lines(project, "status", "--porcelain") == []


def test_shell_line_quotes_like_the_readme() -> None:
    """It prints commands a user can paste: double quotes where they are enough."""
    assert post_gen.shell_line(["pip", "install", "-e", ".[dev]"]) == 'pip install -e ".[dev]"'
    assert post_gen.shell_line(["cd", "/a b"]) == 'cd "/a b"'
    assert post_gen.shell_line(["echo", 'say "$HOME"']) == "echo 'say \"$HOME\"'"


def test_manager_env_drops_an_active_virtualenv(monkeypatch: pytest.MonkeyPatch) -> None:
    """It runs the tools outside any activated venv, with Poetry's venv in the project."""
    monkeypatch.setenv("VIRTUAL_ENV", "/elsewhere")
    monkeypatch.setenv("UV_PROJECT_ENVIRONMENT", "/elsewhere")
    for manager in MANAGERS:
        env = post_gen.manager_env(manager)
        assert "VIRTUAL_ENV" not in env
        assert "UV_PROJECT_ENVIRONMENT" not in env
        assert (env.get("POETRY_VIRTUALENVS_IN_PROJECT") == "true") == (manager == "poetry")


def test_every_manager_offered_is_handled_by_both_hooks() -> None:
    """It keeps cookiecutter.json, the pre-gen check and the post-gen steps in step."""
    pre_gen = load_hook("pre_gen_project")
    offered = json.loads(
        (Path(__file__).resolve().parents[1] / "cookiecutter.json").read_text(encoding="utf-8")
    )["dependency_manager"]
    assert tuple(offered) == MANAGERS == pre_gen.DEPENDENCY_MANAGERS
    assert default_answers()["dependency_manager"] == "pip"
    for manager in MANAGERS:
        steps = post_gen.install_steps(manager, "python3", ".venv/bin/python")
        assert steps
        assert (post_gen.lock_command(manager) is None) == (manager == "pip")
