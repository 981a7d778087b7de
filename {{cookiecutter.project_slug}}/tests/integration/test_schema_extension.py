"""A column added to the data schema alone reaches the API, its docs and the batch path."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import {{ cookiecutter.package_name }}

# In a copy of the package, one edit of data/schema.py: a new categorical column.
NEW_COLUMN = '    "Region": ("North", "South"),\n'
CHECK = textwrap.dedent(
    """
    import pandas as pd
    from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER
    from {{ cookiecutter.package_name }}.data.load import parse_raw
    from {{ cookiecutter.package_name }}.errors import DataError
    from {{ cookiecutter.package_name }}.features.build import build_preprocessor
    from {{ cookiecutter.package_name }}.serving.app import create_app
    from {{ cookiecutter.package_name }}.config import parse_config

    # The API and its docs: /openapi.json publishes the field with its levels.
    schema = create_app(parse_config({})).openapi()["components"]["schemas"]["Customer"]
    assert schema["properties"]["Region"]["enum"] == ["North", "South"], schema
    assert "Region" in schema["required"]

    # The batch path: a file without the column is refused naming it; with it, it parses.
    row = {**EXAMPLE_CUSTOMER, "TotalCharges": "29.85", "SeniorCitizen": "0", "tenure": "1",
           "MonthlyCharges": "29.85"}
    try:
        parse_raw(pd.DataFrame([row]).astype(str), require_target=False, source="old.csv")
    except DataError as error:
        assert "Region" in str(error), error
    else:
        raise AssertionError("a file without Region was accepted")
    new = pd.DataFrame([{**row, "Region": "South"}]).astype(str)
    assert parse_raw(new, require_target=False, source="new.csv")["Region"].tolist() == ["South"]

    # Training: the feature pipeline one-hot encodes it.
    categorical = build_preprocessor().transformers[1][2]
    assert "Region" in list(categorical), categorical
    """
)


def test_a_column_added_to_the_schema_reaches_the_api_and_the_batch_path(tmp_path: Path) -> None:
    package = Path({{ cookiecutter.package_name }}.__file__).parent
    copy = tmp_path / "src" / package.name
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    schema = copy / "data" / "schema.py"
    text = schema.read_text(encoding="utf-8")
    anchor = "CATEGORICAL_LEVELS: Final[dict[str, tuple[str, ...]]] = {\n"
    raw = '    "TotalCharges",\n    TARGET_COLUMN,\n'
    assert anchor in text, "the schema's level table moved: update this test"
    assert raw in text, "the schema's column list moved: update this test"
    text = text.replace(anchor, anchor + NEW_COLUMN)
    text = text.replace(raw, '    "TotalCharges",\n    "Region",\n    TARGET_COLUMN,\n')
    schema.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", CHECK],
        env={"PYTHONPATH": str(tmp_path / "src"), "PATH": ""},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
