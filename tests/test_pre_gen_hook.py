"""The pre-generation hook refuses bad answers, each with its rule and a fix, writing nothing."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cookiecutter.exceptions import FailedHookException
from cookiecutter.generate import generate_files

from bakery import (
    OPTIONS,
    TEMPLATE_ROOT,
    choices,
    default_answers,
    each_value,
    load_hook,
    outcome,
    render_hook,
    run,
    tool_env,
)

pre_gen = load_hook("pre_gen_project")

# (overrides, the answer the error must name); the key is the test id.
REFUSED: dict[str, tuple[dict[str, Any], str]] = {
    "keyword-package": ({"package_name": "class"}, "package_name"),
    "stdlib-package": ({"package_name": "json"}, "package_name"),
    "dependency-package": ({"package_name": "pandas"}, "package_name"),
    "tests-package": ({"package_name": "tests"}, "package_name"),
    "dash-in-package": ({"package_name": "churn-model"}, "package_name"),
    "digit-first-package": ({"package_name": "1churn"}, "package_name"),
    "uppercase-package": ({"package_name": "Churn"}, "package_name"),
    "too-long-package": ({"package_name": "c" * 51}, "package_name"),
    "dunder-package": ({"package_name": "__main__"}, "package_name"),
    "skops-package": ({"package_name": "skops"}, "package_name"),
    "underscore-package": ({"package_name": "_"}, "package_name"),
    "too-long-slug": (
        {"project_slug": "a-very-long-customer-churn-prediction-project-x"},
        "project_slug",
    ),
    "newline-in-name": ({"project_name": "Churn\nall: ; @echo PWNED"}, "project_name"),
    "newline-in-description": ({"description": "one\ntwo"}, "description"),
    "slug-with-spaces": ({"project_slug": "customer churn"}, "project_slug"),
    "slug-uppercase": ({"project_slug": "Customer-Churn"}, "project_slug"),
    "slug-double-dash": ({"project_slug": "customer--churn"}, "project_slug"),
    "python-2.7": ({"python_version": "2.7"}, "python_version"),
    "python-3.9": ({"python_version": "3.9"}, "python_version"),
    "email-nobody": ({"author_email": "nobody"}, "author_email"),
    "email-no-dot": ({"author_email": "a@b"}, "author_email"),
    "email-with-space": ({"author_email": "a b@example.com"}, "author_email"),
    "license-GPL": ({"open_source_license": "GPL"}, "open_source_license"),
    "manager-conda": ({"dependency_manager": "conda"}, "dependency_manager"),
    "tracker-wandb": ({"experiment_tracking": "wandb"}, "experiment_tracking"),
    "tracker-case": ({"experiment_tracking": "MLflow"}, "experiment_tracking"),
}
#: Choice variables: cookiecutter itself rejects an unlisted value passed as extra
#: context (ValueError) before any hook runs; the hook still guards replayed answers.
CHOICE_VARIABLES = {name for name, value in OPTIONS.items() if isinstance(value, list)}
SUGGESTION_RE = re.compile(r"; (?:try '([^']*)'|choose one of (.+))$")


def _valid_answers(**overrides: Any) -> dict[str, Any]:
    """Default answers (without reading choice overrides through cookiecutter)."""
    return {**default_answers(), **overrides}


def _validate(answers: dict[str, Any]) -> list[str]:
    """Validate answers against the options cookiecutter.json declares."""
    return list(pre_gen.validate(answers, OPTIONS))


@pytest.mark.parametrize(("overrides", "answer"), REFUSED.values(), ids=REFUSED.keys())
def test_validate_names_the_refused_answer_and_a_valid_fix(
    overrides: dict[str, Any], answer: str
) -> None:
    """It returns one error naming the answer, and the fix it suggests is accepted."""
    errors = _validate(_valid_answers(**overrides))
    assert len(errors) == 1
    assert errors[0].startswith(f"{answer} {next(iter(overrides.values()))!r} ")
    suggestion = SUGGESTION_RE.search(errors[0])
    assert suggestion is not None, errors[0]
    fixes = [suggestion[1]] if suggestion[1] is not None else suggestion[2].split(", ")
    for fix in fixes:
        assert _validate(_valid_answers(**{answer: fix})) == [], fix


def test_a_digit_first_project_name_gets_the_real_rule_and_a_fix_for_each_name() -> None:
    """`123 Churn` refuses slug and package at once, naming the must-start-with-a-letter rule."""
    answers = default_answers(project_name="123 Churn")
    errors = _validate(answers)
    assert [error.split()[0] for error in errors] == ["project_slug", "package_name"]
    assert "project_slug '123-churn' must start with a letter" in errors[0]
    assert errors[0].endswith("try 'churn'")
    assert "package_name '123_churn' must be a lowercase Python identifier" in errors[1]
    assert "starting with a letter or an underscore" in errors[1]
    assert errors[1].endswith("try 'churn'")


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"package_name": "churn_model", "project_slug": "churn-model-2"},
        {"package_name": "_private"},
        {"package_name": "match"},  # a soft keyword is a valid package name
        {"package_name": "c" * 50},  # the longest name whose generated code stays formatted
        {"author_email": "zoë.o'brien+churn@example.co.uk"},
        *(param.values[0] for param in each_value(*sorted(CHOICE_VARIABLES))),
    ],
    ids=repr,
)
def test_validate_accepts_good_answers(overrides: dict[str, Any]) -> None:
    """It returns no error for the defaults, every offered value and unusual valid names."""
    assert _validate(_valid_answers(**overrides)) == []


def test_without_the_declared_options_only_free_text_is_checked() -> None:
    """It checks names and email when cookiecutter passes no `_cookiecutter` (bare calls)."""
    answers = _valid_answers(python_version="2.7", package_name="class")
    assert [error.split()[0] for error in pre_gen.validate(answers, {})] == ["package_name"]


def test_every_dependency_named_in_the_contract_is_refused() -> None:
    """It refuses each import name the generated project or its tools import."""
    contract = [
        "sklearn",
        "pandas",
        "numpy",
        "scipy",
        "pandera",
        "pydantic",
        "typer",
        "rich",
        "matplotlib",
        "yaml",
        "joblib",
        "pytest",
        "fastapi",
        "uvicorn",
        "onnx",
        "onnxruntime",
        "skl2onnx",
        "mlflow",
        "dvc",
        "starlette",
        "httpx",
        "httpx2",
        "hypothesis",
        "xdist",
        "click",
        "jinja2",
        "cookiecutter",
        "setuptools",
        "pip",
        "skops",
        "optuna",
        "pyarrow",
        "shap",
        "prometheus_client",
        "jsonschema",
        "schemathesis",
        "swagger_ui_bundle",
        "tests",
        "test",
        "src",
    ]
    accepted = [name for name in contract if pre_gen.check_package_name(name) is None]
    assert accepted == []


def test_refusal_reports_every_refused_answer_at_once() -> None:
    """It prints one `ERROR:` line per refused answer, in the order of the questions."""
    answers = _valid_answers(package_name="class", author_email="x", dependency_manager="conda")
    lines = pre_gen.format_refusal(_validate(answers)).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("ERROR: package_name 'class' is a Python keyword; try ")
    assert lines[1].startswith("ERROR: author_email 'x' must be an email address; try ")
    assert lines[2] == (
        "ERROR: dependency_manager 'conda' is not offered; choose one of "
        + ", ".join(choices("dependency_manager"))
    )


@pytest.mark.parametrize(("overrides", "answer"), REFUSED.values(), ids=REFUSED.keys())
def test_bake_refuses_and_leaves_nothing(
    cookies: Any, tmp_path: Path, overrides: dict[str, Any], answer: str
) -> None:
    """It fails the bake and the output folder holds no project afterwards."""
    result = cookies.bake(extra_context={"init_git": True, "create_env": False, **overrides})

    assert result.exit_code != 0
    if answer in CHOICE_VARIABLES:
        assert isinstance(result.exception, ValueError), repr(result.exception)
        assert answer in str(result.exception)
    else:
        assert isinstance(result.exception, FailedHookException), repr(result.exception)
    leftovers = [path for bake in (tmp_path / "cookies").iterdir() for path in bake.iterdir()]
    assert leftovers == []


@pytest.mark.parametrize(("overrides", "answer"), REFUSED.values(), ids=REFUSED.keys())
def test_hook_refuses_replayed_answers(
    tmp_path: Path, overrides: dict[str, Any], answer: str
) -> None:
    """It fails generation from a replayed context and cookiecutter removes the folder."""
    answers = _valid_answers(**overrides, init_git=False, create_env=False)
    output = tmp_path / "out"
    output.mkdir()

    with pytest.raises(FailedHookException):
        generate_files(
            repo_dir=str(TEMPLATE_ROOT),
            context={"cookiecutter": answers, "_cookiecutter": OPTIONS},  # as a replay has
            output_dir=str(output),
        )

    assert list(output.iterdir()) == []


def test_rendered_hook_prints_a_line_naming_the_answer(tmp_path: Path) -> None:
    """It exits 1 and writes one stderr line that names the answer and the fix."""
    answers = _valid_answers(package_name="class", description='A "quoted" \\ desc')
    hook = render_hook("pre_gen_project", answers, tmp_path / "pre_gen_project.py")

    proc = subprocess.run(
        [sys.executable, str(hook)], cwd=tmp_path, capture_output=True, text=True, check=False
    )

    assert proc.returncode == 1, outcome(proc)
    assert proc.stdout == ""
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR:")]
    assert errors == ["ERROR: package_name 'class' is a Python keyword; try 'class_model'"]
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "value",
    ['"""', "ends with a backslash \\", "'''", 'mixed """ \\" \\\\ ünï ☕ \n newline', "{{ x }}"],
    ids=["triple-double", "trailing-backslash", "triple-single", "mixed", "braces"],
)
def test_rendered_context_round_trips_any_text(tmp_path: Path, value: str) -> None:
    """It parses back every answer exactly, whatever quotes or backslashes it holds."""
    answers = _valid_answers(description=value, author_name=value)
    hook = render_hook("pre_gen_project", answers, tmp_path / "hook.py")
    script = f"import runpy, json; print(json.dumps(json.loads(runpy.run_path({str(hook)!r})"
    script += "['CONTEXT_JSON'])))"

    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )

    assert proc.returncode == 0, outcome(proc)
    assert json.loads(proc.stdout) == json.loads(json.dumps(answers))


def test_cli_refusal_reaches_stderr(tmp_path: Path, cookiecutter_cli: Callable[..., Any]) -> None:
    """It shows the refusal when run through the cookiecutter command."""
    proc = cookiecutter_cli("package_name=pandas", "init_git=false", "create_env=false")

    assert proc.returncode != 0
    refusals = [line for line in proc.stderr.splitlines() if line.startswith("ERROR: package")]
    assert refusals == [
        "ERROR: package_name 'pandas' is the import name of a dependency and would "
        "shadow it; try 'pandas_model'"
    ]
    assert not any((tmp_path / "out").glob("*/*"))


@pytest.mark.parametrize(("overrides", "answer"), REFUSED.values(), ids=REFUSED.keys())
def test_fixed_answers_replace_only_the_refused_ones(
    overrides: dict[str, Any], answer: str
) -> None:
    """Every answer is kept but the refused one, which becomes a value that passes."""
    answers = _valid_answers(**overrides)
    fixed = pre_gen.fixed_answers(answers, OPTIONS)
    assert _validate(fixed) == []
    assert {name for name in fixed if fixed[name] != answers[name]} == {answer}


def test_the_printed_command_pasted_back_bakes(
    tmp_path: Path, cookiecutter_cli: Callable[..., Any], cookiecutter_config: Path
) -> None:
    """The refusal ends with one shell line; run as is, it bakes with the fixes."""
    description = 'It\'s "quoted" $HOME `x`'
    refused = ["package_name=pandas", "author_email=nobody", f"description={description}"]
    proc = cookiecutter_cli(*refused, "init_git=false", "create_env=false")
    assert proc.returncode != 0
    command = proc.stderr.splitlines()[-1]
    words = shlex.split(command)
    assert words[:2] == ["cookiecutter", str(TEMPLATE_ROOT)]
    assert "--no-input" in words

    config = shlex.quote(str(cookiecutter_config))  # keeps replays inside tmp_path
    again = run(["bash", "-c", f"{command} --config-file {config}"], cwd=tmp_path, env=tool_env())
    assert again.returncode == 0, outcome(again)
    (project,) = (tmp_path / "out").iterdir()
    answers = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert answers["package_name"] == "pandas_model"
    assert answers["author_email"] == "you@example.com"
    assert answers["description"] == description


def test_fixes_keep_the_letters_of_accented_answers() -> None:
    """An accented slug is refused with the letters kept, as slugify would keep them."""
    assert pre_gen.suggest_slug("ÉtudeChurn") == "etudechurn"
    assert pre_gen.suggest_package("Étude-Churn") == "etude_churn"


def test_replayed_choices_are_checked_against_the_template_s_own_options(tmp_path: Path) -> None:
    """A replay gives `_cookiecutter` each choice as a string: the hook reads cookiecutter.json."""
    answers = _valid_answers(python_version="3.10", _repo_dir=str(TEMPLATE_ROOT))
    replayed = {name: answers[name] for name in answers if name in OPTIONS}  # no lists left
    assert pre_gen.offered_choices(replayed) == {}
    options = pre_gen.declared_options(answers["_repo_dir"])
    assert [error.split()[0] for error in pre_gen.validate(answers, options)] == ["python_version"]
    assert pre_gen.declared_options(tmp_path) == {}


def test_the_printed_command_keeps_overwrite_for_an_existing_folder() -> None:
    """Refused over an existing project (-f), the command line must say -f again to bake."""
    answers = _valid_answers(package_name="class", _template="gh:org/repo", _overwrite=True)
    words = shlex.split(pre_gen.rerun_command(answers, OPTIONS))
    assert words[:4] == ["cookiecutter", "gh:org/repo", "--no-input", "--overwrite-if-exists"]


def test_an_empty_project_name_is_refused_with_a_name_to_use() -> None:
    """cookiecutter would bake a project titled "" (a README heading `# `)."""
    (error,) = _validate(_valid_answers(project_name="  ", project_slug="churn"))
    assert error == "project_name '  ' is empty; try 'Customer Churn Prediction'"
