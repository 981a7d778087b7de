"""The documentation site: `mkdocs build --strict` passes and documents the package."""

import subprocess
import sys
from pathlib import Path

from {{ cookiecutter.package_name }}.data.load import read_raw

PROJECT = Path(__file__).resolve().parents[2]


def test_the_site_builds_strictly_with_the_api_reference(tmp_path: Path) -> None:
    site = tmp_path / "site"
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert (site / "index.html").is_file()
    # The reference page documents a real function, found from its docstring.
    reference = (site / "reference" / "data" / "index.html").read_text(encoding="utf-8")
    assert f'id="{read_raw.__module__}.{read_raw.__name__}"' in reference
