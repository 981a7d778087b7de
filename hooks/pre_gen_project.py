"""Refuse answers that would generate a broken project, before anything is written."""

from __future__ import annotations

import json
import keyword
import re
import shlex
import sys
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# Jinja only inside this string: the hook stays valid Python and importable by tests.
# `tojson` escapes every `"`, so no answer can close the raw triple-quoted string.
CONTEXT_JSON = r"""{{ cookiecutter | tojson }}"""

# The options as cookiecutter.json declares them (each choice with every value it offers).
# cookiecutter provides them as `_cookiecutter`; a bare generate_files() call may not.
OPTIONS_JSON = r"""{{ _cookiecutter | default({}) | tojson }}"""

PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")  # line breaks and other control characters

# Import names the generated project (or its tooling) imports: a package with one of
# these names would shadow the real library inside the project.
SHADOWED_IMPORTS = frozenset(
    {
        "build",
        "click",
        "cookiecutter",
        "dvc",
        "fastapi",
        "google",
        "granian",
        "httpx",
        "httpx2",
        "hypothesis",
        "jinja2",
        "joblib",
        "jsonschema",
        "matplotlib",
        "mlflow",
        "mypy",
        "numpy",
        "onnx",
        "onnxruntime",
        "optuna",
        "pandas",
        "pandera",
        "pip",
        "prometheus_client",
        "py4j",
        "pyarrow",
        "pydantic",
        "pydantic_settings",
        "pyspark",
        "pytest",
        "pythonjsonlogger",
        "rich",
        "schemathesis",
        "scipy",
        "seaborn",
        "setuptools",
        "shap",
        "skl2onnx",
        "sklearn",
        "skops",
        "sqlalchemy",
        "src",
        "starlette",
        "swagger_ui_bundle",
        "test",
        "tests",
        "typer",
        "typing_extensions",
        "uvicorn",
        "xdist",
        "yaml",
    }
)

# Longer names push `from <package>.x import y` lines past the generated 100-column limit,
# and the generated code must pass `ruff format --check` whatever the name.
MAX_PACKAGE_LENGTH = 50
# The slug names the Kubernetes namespace, labels and the `<slug>-nightly` CronJob, whose
# name Kubernetes limits to 52 characters; it also keeps generated lines under 100 columns.
MAX_SLUG_LENGTH = 44
FALLBACK_SLUG = "customer-churn"
FALLBACK_PACKAGE = "churn_model"


def ascii_lower(text: str) -> str:
    """Return `text` in lowercase ASCII, accents dropped from their letters (é -> e)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def suggest_slug(slug: str) -> str:
    """Return a valid slug close to `slug`: kebab-case, starting with a letter, short."""
    words = re.sub(r"[^a-z0-9]+", "-", ascii_lower(slug)).lstrip("-0123456789").strip("-")
    if len(words) > MAX_SLUG_LENGTH:
        words = words[: MAX_SLUG_LENGTH + 1].rsplit("-", 1)[0][:MAX_SLUG_LENGTH].strip("-")
    return words if SLUG_RE.match(words) else FALLBACK_SLUG


def suggest_package(name: str) -> str:
    """Return a valid package name close to `name`: a free lowercase identifier."""
    words = re.sub(r"[^a-z0-9]+", "_", ascii_lower(name)).lstrip("_0123456789").strip("_")
    words = words[: MAX_PACKAGE_LENGTH - len("_model")] or FALLBACK_PACKAGE
    if keyword.iskeyword(words) or words in sys.stdlib_module_names | SHADOWED_IMPORTS:
        words += "_model"
    return words


def suggest_email(_email: str) -> str:
    """Return an address that passes: cookiecutter.json's placeholder."""
    return "you@example.com"


def check_package_name(name: str) -> str | None:
    """Return why `name` cannot be the importable package, or None if it can."""
    rule = None
    if not PACKAGE_RE.match(name):
        rule = (
            "must be a lowercase Python identifier (letters, digits and underscores, "
            "starting with a letter or an underscore)"
        )
    elif len(name) > MAX_PACKAGE_LENGTH:
        rule = f"is {len(name)} characters long; the limit is {MAX_PACKAGE_LENGTH}"
    elif keyword.iskeyword(name):
        rule = "is a Python keyword"
    elif not name.strip("_") or (name.startswith("__") and name.endswith("__")):
        rule = "is a name Python reserves (underscores alone, or __dunder__)"
    elif name in sys.stdlib_module_names:
        rule = "is a standard-library module and would shadow it"
    elif name in SHADOWED_IMPORTS:
        rule = "is the import name of a dependency and would shadow it"
    if rule is None:
        return None
    return f"package_name {name!r} {rule}; try {suggest_package(name)!r}"


def check_project_slug(slug: str) -> str | None:
    """Return why `slug` cannot be the directory/distribution name, or None."""
    if SLUG_RE.match(slug):
        if len(slug) <= MAX_SLUG_LENGTH:
            return None
        return (
            f"project_slug {slug!r} is {len(slug)} characters long; the limit is "
            f"{MAX_SLUG_LENGTH} (Kubernetes names); try {suggest_slug(slug)!r}"
        )
    return (
        f"project_slug {slug!r} must start with a letter and be kebab-case (lowercase "
        f"letters and digits joined by single dashes); try {suggest_slug(slug)!r}"
    )


def check_author_email(email: str) -> str | None:
    """Return why `email` does not look like an email address, or None."""
    if EMAIL_RE.match(email):
        return None
    return f"author_email {email!r} must be an email address; try {suggest_email(email)!r}"


def suggest_text(text: str) -> str:
    """Return `text` on one line: each run of control characters becomes one space."""
    return CONTROL_RE.sub(" ", text).strip() or "Customer Churn Prediction"


def check_text(name: str, required: bool = False) -> Callable[[str], str | None]:
    """Return the check of a free-text answer written into files: one line (not empty)."""

    def check(text: str) -> str | None:
        if not text.strip():
            rule = "is empty" if required else None
        elif CONTROL_RE.search(text):
            rule = "holds a line break or a control character"
        else:
            rule = None
        return None if rule is None else f"{name} {text!r} {rule}; try {suggest_text(text)!r}"

    return check


# The free-text answers a rule applies to, with the fix each refusal suggests; every choice
# is checked against its offered values (the fix: the first, cookiecutter.json's default).
CHECKS: tuple[tuple[str, Callable[[str], str | None], Callable[[str], str]], ...] = (
    ("project_name", check_text("project_name", required=True), suggest_text),
    ("project_slug", check_project_slug, suggest_slug),
    ("package_name", check_package_name, suggest_package),
    ("author_name", check_text("author_name"), suggest_text),
    ("author_email", check_author_email, suggest_email),
    ("description", check_text("description"), suggest_text),
)


def offered_choices(options: Mapping[str, Any]) -> dict[str, list[str]]:
    """Return each choice option of cookiecutter.json with the values it offers."""
    return {
        name: [str(value) for value in offered]
        for name, offered in options.items()
        if isinstance(offered, list) and not name.startswith("_")
    }


def check_choices(answers: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    """Return one message per choice answer that cookiecutter.json does not offer."""
    errors = []
    for name, values in offered_choices(options).items():
        answer = str(answers.get(name, ""))
        if answer not in values:
            errors.append(f"{name} {answer!r} is not offered; choose one of {', '.join(values)}")
    return errors


def validate(answers: Mapping[str, Any], options: Mapping[str, Any]) -> list[str]:
    """Return one message per refused answer, in a stable order (empty when all ok)."""
    errors = []
    for name, check, _ in CHECKS:
        error = check(str(answers.get(name, "")))
        if error is not None:
            errors.append(error)
    return errors + check_choices(answers, options)


def fixed_answers(answers: Mapping[str, Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """Return every answer, each refused one replaced by the fix its message suggests."""
    fixed = {name: value for name, value in answers.items() if not name.startswith("_")}
    for name, check, suggest in CHECKS:
        if check(str(fixed.get(name, ""))) is not None:
            fixed[name] = suggest(str(fixed.get(name, "")))
    for name, values in offered_choices(options).items():
        if str(fixed.get(name, "")) not in values:
            fixed[name] = values[0]
    return fixed


def rerun_command(answers: Mapping[str, Any], options: Mapping[str, Any]) -> str:
    """Return the `cookiecutter` command line that bakes again with every answer, fixed."""
    words = ["cookiecutter", str(answers.get("_template", ".")), "--no-input"]
    if answers.get("_overwrite"):
        words.append("--overwrite-if-exists")
    if answers.get("_checkout"):
        words += ["--checkout", str(answers["_checkout"])]
    if answers.get("_output_dir"):
        words += ["--output-dir", str(answers["_output_dir"])]
    for name, value in fixed_answers(answers, options).items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        words.append(f"{name}={text}")
    return shlex.join(words)


def format_refusal(errors: list[str], command: str | None = None) -> str:
    """Return the stderr report: one `ERROR:` line per refused answer, then the fixed command."""
    lines = [f"ERROR: {error}" for error in errors]
    if command is not None:
        lines += ["To bake again with these fixes and every other answer as given, run:", command]
    return "\n".join(lines)


def declared_options(repo_dir: object) -> dict[str, Any]:
    """Return cookiecutter.json's options from the template folder ({} if unreadable)."""
    try:
        options = json.loads((Path(str(repo_dir)) / "cookiecutter.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return options if isinstance(options, dict) else {}


def main() -> int:
    """Validate the rendered answers; report every refusal and return 1 if any."""
    answers, options = json.loads(CONTEXT_JSON), json.loads(OPTIONS_JSON)
    if not offered_choices(options):  # a replay gives each choice as the answer alone
        options = declared_options(answers.get("_repo_dir"))
    # The pre-gen hook runs in the project folder before any file is written: anything in
    # it was there before, so a rerun needs --overwrite-if-exists too.
    answers["_overwrite"] = any(Path.cwd().iterdir())
    errors = validate(answers, options)
    if errors:
        print(format_refusal(errors, rerun_command(answers, options)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
