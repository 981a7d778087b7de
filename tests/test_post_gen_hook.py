"""The post-generation hook saves answers, prunes options, runs git and pip safely."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from cookiecutter.main import cookiecutter

from bakery import (
    TEMPLATE_ROOT,
    BakedProject,
    Baker,
    PathBaker,
    default_answers,
    load_hook,
)

post_gen = load_hook("post_gen_project")

AUTHOR = {"author_name": 'O\'Brien "Bob" \\ Zoë', "author_email": "zoe@example.org"}


@pytest.fixture
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make git ignore the user's and the system's config (no identity configured)."""
    home = tmp_path / "home"
    home.mkdir()
    empty = home / ".gitconfig"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(empty))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("GIT_COMMITTER_EMAIL", raising=False)
    return empty


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small stand-in for a generated project."""
    root = tmp_path / "demo-project"
    (root / "src" / "demo").mkdir(parents=True)
    (root / "src" / "demo" / "__init__.py").write_text('"""Demo."""\n', encoding="utf-8")
    (root / "README.md").write_text("# Demo\n", encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("true", True), ("Yes", True), ("false", False), ("", False)],
    ids=repr,
)
def test_as_bool_reads_cookiecutter_booleans(value: object, expected: bool) -> None:
    """It accepts real booleans and the usual yes/no spellings."""
    assert post_gen.as_bool(value) is expected


def test_saved_answers_keep_public_keys_template_and_checkout() -> None:
    """It drops private cookiecutter keys except `_template` and `_checkout`."""
    answers = {
        **default_answers(),
        "_template": "gh:org/repo",
        "_checkout": None,
        "_output_dir": "/tmp/x",
        "_repo_dir": "/tmp/y",
    }
    saved = post_gen.saved_answers(answers)
    assert "_template" in saved
    assert "_checkout" in saved
    assert not {"_output_dir", "_repo_dir", "_extensions", "__prompts__"} & set(saved)
    assert saved["project_name"] == answers["project_name"]


def test_write_answers_is_readable_unicode_json(project: Path) -> None:
    """It writes indented UTF-8 JSON with a final newline that loads back equal."""
    answers = {**default_answers(**AUTHOR), "_template": "."}
    post_gen.write_answers(project, answers)
    text = (project / ".cookiecutter.json").read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert "Zoë" in text
    assert json.loads(text) == post_gen.saved_answers(answers)


def test_every_row_names_an_option_and_poetry_toml_follows_the_manager() -> None:
    """It removes poetry.toml unless Poetry is chosen (LICENSE is chosen by Jinja)."""
    with_pip = set(post_gen.paths_to_remove(default_answers()))
    with_poetry = set(post_gen.paths_to_remove(default_answers(dependency_manager="poetry")))
    assert with_pip - with_poetry == {"poetry.toml"}
    assert with_poetry <= with_pip
    for option, _keep, _paths in (*post_gen.OPTION_PATHS, *post_gen.OPTION_MOVES):
        assert option in default_answers(), f"{option} is not in cookiecutter.json"


def test_moves_fill_in_the_answers() -> None:
    """It moves the settings file to cookiecutter.json's __config_file with DVC."""
    answers = default_answers(use_dvc=True, package_name="acme_churn")
    assert ("configs/config.yaml", "params.yaml") in post_gen.paths_to_move(answers)
    assert post_gen.paths_to_move(default_answers(use_dvc=False)) == []
    assert post_gen.fill("src/{package_name}/{missing}", answers) == "src/acme_churn/{missing}"


def test_removal_loop_deletes_only_unselected_paths(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It removes the files and folders of an unselected option, and only those."""
    (project / "infra" / "k8s").mkdir(parents=True)
    (project / "infra" / "k8s" / "deploy.yaml").write_text("{}\n", encoding="utf-8")
    (project / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    table = (
        ("use_docker", post_gen.as_bool, ("Dockerfile", "missing.txt")),
        ("use_kubernetes", post_gen.as_bool, ("infra/k8s",)),
    )
    monkeypatch.setattr(post_gen, "OPTION_PATHS", table)

    post_gen.remove_unselected(project, {"use_docker": True, "use_kubernetes": False})

    assert (project / "Dockerfile").is_file()
    assert not (project / "infra" / "k8s").exists()
    assert post_gen.paths_to_remove({"use_docker": "no"}) == [
        "Dockerfile",
        "missing.txt",
        "infra/k8s",
    ]


def test_init_git_commits_with_the_author_when_git_has_no_identity(
    project: Path, isolated_git: Path
) -> None:
    """It makes one commit on main, using the author answers as a fallback identity."""
    assert post_gen.init_git(project, AUTHOR) is True

    repo = BakedProject(project, AUTHOR)
    repo.assert_committed_once()
    assert repo.git("log", "--format=%an <%ae>|%s") == [
        f"{AUTHOR['author_name']} <{AUTHOR['author_email']}>|{post_gen.COMMIT_MESSAGE}"
    ]
    local_config = repo.git("config", "--local", "--list")
    assert not [line for line in local_config if line.startswith("user.")]


def test_init_git_keeps_the_configured_identity(project: Path, isolated_git: Path) -> None:
    """It does not override a user.name/user.email the user already configured."""
    isolated_git.write_text("[user]\n\tname = Real Person\n\temail = real@example.com\n")

    assert post_gen.init_git(project, AUTHOR) is True

    log = BakedProject(project, AUTHOR).git("log", "--format=%an <%ae>")
    assert log == ["Real Person <real@example.com>"]


def test_main_never_fails_even_if_a_step_raises(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """It turns an unexpected error into a warning and still returns 0."""
    answers = {**default_answers(), "init_git": True, "create_env": False}
    monkeypatch.setattr(post_gen, "CONTEXT_JSON", json.dumps(answers))
    monkeypatch.chdir(project)

    def explode(*_args: object) -> bool:
        raise RuntimeError("boom")

    monkeypatch.setattr(post_gen, "init_git", explode)

    assert post_gen.main() == 0
    assert "WARNING: git initialisation did not complete (RuntimeError: boom)" in (
        capsys.readouterr().err
    )
    assert (project / ".cookiecutter.json").is_file()


def test_bake_without_git_on_path_warns_and_keeps_the_project(
    bake_on_path: PathBaker, capfd: pytest.CaptureFixture[str]
) -> None:
    """It generates the project and prints the git commands to run by hand."""
    project = bake_on_path(init_git=True)
    err = capfd.readouterr().err

    assert project.has_file("pyproject.toml")
    assert project.has_file(".cookiecutter.json")
    assert not (project.path / ".git").exists()
    assert "WARNING: git initialisation did not complete (git was not found on PATH)" in err
    assert "git init -b main" in err


def test_bake_with_failing_install_warns_and_keeps_the_project(
    fresh: Baker,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """It keeps the project (and the commit) when pip cannot install, naming the command."""
    empty = tmp_path / "no-wheels"
    empty.mkdir()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # ignore pip.conf indexes
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)

    project = fresh(init_git=True, create_env=True)
    err = capfd.readouterr().err

    assert project.has_file("pyproject.toml")
    assert "WARNING: environment creation did not complete (make venv failed)" in err
    assert "    make venv\n" in err
    assert not (project.path / ".venv" / ".installed").exists()
    project.assert_committed_once()  # .venv is git-ignored


def test_it_recognises_cruft_scratch_renders_only(tmp_path: Path) -> None:
    """It treats a cruft render in a fresh temporary folder as scratch, nothing else."""
    cruft = {"_commit": "0" * 40}
    with tempfile.TemporaryDirectory() as scratch:
        render = Path(scratch) / "churn"
        render.mkdir()
        assert post_gen.in_cruft_render(render, cruft) is True
        assert post_gen.in_cruft_render(render, {}) is False  # cookiecutter, not cruft
        (Path(scratch) / "other").mkdir()
        assert post_gen.in_cruft_render(render, cruft) is False  # not a bare render folder
    created = tmp_path / "out" / "churn"  # `cruft create` where the user asked
    created.mkdir(parents=True)
    assert post_gen.in_cruft_render(created, cruft) is False


def test_a_bake_over_an_existing_project_deletes_and_commits_nothing(
    tmp_path: Path, isolated_git: Path
) -> None:
    """cookiecutter -f over a project: the user's files stay and no commit is made for them."""
    result = cookiecutter(
        str(TEMPLATE_ROOT),
        no_input=True,
        output_dir=str(tmp_path),
        extra_context={"create_env": False, "init_git": True},
    )
    project = Path(result)
    (project / "infra" / "k8s" / "mine.yaml").write_text("kind: Mine\n", encoding="utf-8")
    (project / ".env.local").write_text("secret=1\n", encoding="utf-8")
    commits = post_gen._git(project, "rev-list", "--count", "HEAD").stdout
    cookiecutter(
        str(TEMPLATE_ROOT),
        no_input=True,
        output_dir=str(tmp_path),
        overwrite_if_exists=True,
        extra_context={"create_env": False, "init_git": True, "use_kubernetes": False},
    )
    assert (project / "infra" / "k8s" / "mine.yaml").is_file()
    assert post_gen._git(project, "rev-list", "--count", "HEAD").stdout == commits
    assert "?? .env.local" in post_gen._git(project, "status", "--porcelain").stdout


@pytest.mark.parametrize(
    ("init_git", "why"), [(True, "git init did not run"), (False, "init_git is false")]
)
def test_dvc_without_a_repository_says_why(
    project: Path, capsys: pytest.CaptureFixture[str], init_git: bool, why: str
) -> None:
    """The warning names the real reason: git init asked for but not run, or not asked for."""
    assert post_gen.init_dvc(project, {"init_git": init_git}) is False
    assert f"there is no git repository ({why})" in capsys.readouterr().err
