"""The request schemas follow the one data schema, and accept the raw file's quirks."""

from __future__ import annotations

import math
from typing import Any

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.data.schema import (
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    NUMERIC_RANGES,
)
from {{ cookiecutter.package_name }}.serving.schemas import (
    EXAMPLE_CUSTOMER,
    NEW_CUSTOMER,
    batch_adapter,
    customer_adapter,
)
from {{ cookiecutter.package_name }}.serving.service import model_columns


def test_every_categorical_field_is_an_enum_of_the_schema_levels() -> None:
    properties = customer_adapter().json_schema()["properties"]
    for column, levels in CATEGORICAL_LEVELS.items():
        assert properties[column]["enum"] == list(levels)


def test_numeric_fields_carry_the_schema_ranges() -> None:
    properties = customer_adapter().json_schema()["properties"]
    low, high = NUMERIC_RANGES["MonthlyCharges"]
    assert (properties["MonthlyCharges"]["minimum"], properties["MonthlyCharges"]["maximum"]) == (
        low,
        high,
    )


def test_the_fields_are_the_raw_columns_without_churn() -> None:
    schema = customer_adapter().json_schema()
    assert list(schema["properties"]) == ["customerID", *FEATURE_COLUMNS]
    assert set(schema["required"]) == set(FEATURE_COLUMNS)


@pytest.mark.parametrize("example", [EXAMPLE_CUSTOMER, NEW_CUSTOMER])
def test_the_documented_examples_are_valid(example: dict[str, Any]) -> None:
    assert customer_adapter().validate_python(example) == example


@pytest.mark.parametrize("blank", [" ", "", None])
def test_a_blank_total_charges_becomes_missing_for_the_model(blank: str | None) -> None:
    row = customer_adapter().validate_python({**NEW_CUSTOMER, "TotalCharges": blank})
    rows = [row, EXAMPLE_CUSTOMER]
    columns = model_columns({column: [r[column] for r in rows] for column in FEATURE_COLUMNS})
    assert columns["TotalCharges"][0] is None or math.isnan(columns["TotalCharges"][0])
    assert columns["TotalCharges"][1] == EXAMPLE_CUSTOMER["TotalCharges"]
    assert list(columns["Contract"]) == ["Month-to-month", "Month-to-month"]


def test_batch_size_limits_are_enforced() -> None:
    adapter = batch_adapter(2)
    with pytest.raises(ValidationError, match="at most 2"):
        adapter.validate_python({"customers": [EXAMPLE_CUSTOMER] * 3})
    with pytest.raises(ValidationError, match="at least 1"):
        adapter.validate_python({"customers": []})
