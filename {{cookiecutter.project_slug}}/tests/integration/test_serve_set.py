"""The `serve` dependency group: the API image's runtime, without the training stack."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
PACKAGE = "{{ cookiecutter.package_name }}"
# What training needs and the ONNX-served API must not import.
TRAINING_STACK = ("sklearn", "scipy", "pandas", "matplotlib", "pandera", "skl2onnx", "joblib")

# Runs in a fresh interpreter where importing the training stack fails, as in the image.
SERVE_WITHOUT_TRAINING_STACK = textwrap.dedent(
    """
    import importlib.abc
    import sys
    from pathlib import Path

    blocked = set(sys.argv[2].split(","))

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Block())

    from fastapi.testclient import TestClient

    import PACKAGE.cli
    from PACKAGE.config import Config
    from PACKAGE.serving.app import create_app

    config = Config(paths={"models_dir": Path(sys.argv[1])})
    with TestClient(create_app(config)) as client:
        ready = client.get("/ready")
        assert ready.status_code == 200, ready.text
    """
).replace("PACKAGE", PACKAGE)


def test_the_serve_group_repeats_the_dependencies_it_names() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    serve = project["dependency-groups"]["serve"]
    assert serve
    assert sorted(set(serve) - set(project["project"]["dependencies"])) == []
    for module in TRAINING_STACK:
        assert not [line for line in serve if line.lower().startswith(module)], module


def test_the_api_serves_the_onnx_model_without_the_training_stack(models_dir: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            SERVE_WITHOUT_TRAINING_STACK,
            str(models_dir),
            ",".join(TRAINING_STACK),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
