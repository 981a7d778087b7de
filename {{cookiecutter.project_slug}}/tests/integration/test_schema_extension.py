"""Columns added to the data schema alone reach the API, its docs, the batch path and the
synthetic data."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import {{ cookiecutter.package_name }}

# In a copy of the package, one edit of data/schema.py: a categorical and a numeric column.
EDITS = {  # after this line of the schema: these lines
    "CATEGORICAL_LEVELS: Final[dict[str, tuple[str, ...]]] = {\n": (
        '    "Region": ("North", "South"),\n'
    ),
    "NUMERIC_RANGES: Final[dict[str, tuple[float, float]]] = {\n": (
        '    "DataUsageGB": (0.0, 500.0),\n'
    ),
    "RAW_COLUMNS: Final = (\n    ID_COLUMN,\n": '    "Region",\n    "DataUsageGB",\n',
}
CHECK = textwrap.dedent(
    """
    import pandas as pd
    from {{ cookiecutter.package_name }}.data.examples import EXAMPLE_CUSTOMER
    from {{ cookiecutter.package_name }}.data.load import parse_raw
    from {{ cookiecutter.package_name }}.data.synthetic import generate
    from {{ cookiecutter.package_name }}.errors import DataError
    from {{ cookiecutter.package_name }}.features.build import build_preprocessor
    from {{ cookiecutter.package_name }}.serving.app import create_app
    from {{ cookiecutter.package_name }}.config import parse_config

    # The API and its docs: /openapi.json publishes the field with its levels.
    schema = create_app(parse_config({})).openapi()["components"]["schemas"]["Customer"]
    assert schema["properties"]["Region"]["enum"] == ["North", "South"], schema
    usage = schema["properties"]["DataUsageGB"]
    assert (usage["minimum"], usage["maximum"]) == (0.0, 500.0), usage
    assert {"Region", "DataUsageGB"} <= set(schema["required"])

    # The batch path: a file without the column is refused naming it; with it, it parses.
    row = {**EXAMPLE_CUSTOMER, "TotalCharges": "29.85", "SeniorCitizen": "0", "tenure": "1",
           "MonthlyCharges": "29.85"}
    try:
        parse_raw(pd.DataFrame([row]).astype(str), require_target=False, source="old.csv")
    except DataError as error:
        assert "Region" in str(error), error
    else:
        raise AssertionError("a file without Region was accepted")
    new = pd.DataFrame([{**row, "Region": "South", "DataUsageGB": "12.5"}]).astype(str)
    parsed = parse_raw(new, require_target=False, source="new.csv")
    assert parsed[["Region", "DataUsageGB"]].values.tolist() == [["South", 12.5]]

    # Synthetic data: `data generate` (and every test fixture) draws both from the schema.
    synthetic = parse_raw(generate(200, seed=3), source="synthetic")
    assert set(synthetic["Region"]) == {"North", "South"}
    assert synthetic["DataUsageGB"].between(0.0, 500.0).all()

    # Training: the feature pipeline scales one and one-hot encodes the other.
    numeric, categorical = (list(part[2]) for part in build_preprocessor().transformers)
    assert "DataUsageGB" in numeric and "Region" in categorical, (numeric, categorical)
    """
)


def test_a_column_added_to_the_schema_reaches_the_api_and_the_batch_path(tmp_path: Path) -> None:
    package = Path({{ cookiecutter.package_name }}.__file__).parent
    copy = tmp_path / "src" / package.name
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    schema = copy / "data" / "schema.py"
    text = schema.read_text(encoding="utf-8")
    for anchor, added in EDITS.items():
        assert anchor in text, f"data/schema.py no longer has {anchor!r}: update this test"
        text = text.replace(anchor, anchor + added)
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
