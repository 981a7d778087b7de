"""The request schemas follow the one data schema, and accept the raw file's quirks."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.data.schema import (
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    NUMERIC_RANGES,
)
from {{ cookiecutter.package_name }}.serving.schemas import (
    EXAMPLE_CUSTOMER,
    FIELDS,
    NEW_CUSTOMER,
    Prediction,
    batch_adapter,
    customer_adapter,
    customer_struct,
)


def test_every_categorical_field_is_an_enum_of_the_schema_levels() -> None:
    properties = customer_adapter().json_schema()["properties"]
    for column, levels in CATEGORICAL_LEVELS.items():
        assert properties[column]["enum"] == list(levels)


@pytest.mark.parametrize("column", list(NUMERIC_RANGES))
def test_numeric_fields_publish_the_schema_ranges(column: str) -> None:
    field = customer_adapter().json_schema()["properties"][column]
    number = next(option for option in field.get("anyOf", [field]) if "type" in option)
    assert (number["minimum"], number["maximum"]) == NUMERIC_RANGES[column]


def test_the_fields_are_the_raw_columns_without_churn() -> None:
    schema = customer_adapter().json_schema()
    assert list(schema["properties"]) == ["customerID", *FEATURE_COLUMNS]
    assert set(schema["required"]) == set(FEATURE_COLUMNS)


@pytest.mark.parametrize("example", [EXAMPLE_CUSTOMER, NEW_CUSTOMER])
def test_the_documented_examples_are_valid(example: dict[str, Any]) -> None:
    assert customer_adapter().validate_python(example) == example


@pytest.mark.parametrize("blank", [" ", "", None])
def test_a_blank_total_charges_is_valid(blank: str | None) -> None:
    customer = {**NEW_CUSTOMER, "TotalCharges": blank}
    assert customer_adapter().validate_python(customer)["TotalCharges"] == blank


def test_both_libraries_get_the_same_fields_from_one_table() -> None:
    pydantic_fields = list(customer_adapter().json_schema()["properties"])
    msgspec_fields = [field.name for field in msgspec.structs.fields(customer_struct())]
    assert sorted(pydantic_fields) == sorted(msgspec_fields) == sorted(FIELDS)


def test_answers_may_not_carry_undocumented_fields() -> None:
    with pytest.raises(ValidationError, match="extra"):
        Prediction.model_validate(
            {
                "customerID": None,
                "churn_probability": 0.5,
                "churn": True,
                "model_version": "v",
                "x": 1,
            }
        )


def test_batch_size_limits_are_enforced() -> None:
    adapter = batch_adapter(2)
    with pytest.raises(ValidationError, match="at most 2"):
        adapter.validate_python({"customers": [EXAMPLE_CUSTOMER] * 3})
    with pytest.raises(ValidationError, match="at least 1"):
        adapter.validate_python({"customers": []})
