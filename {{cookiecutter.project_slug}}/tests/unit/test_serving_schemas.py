"""The request schemas follow the one data schema, and accept the raw file's quirks."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from {{ cookiecutter.package_name }}.data.examples import (
    EXAMPLE_CUSTOMER,
    NEW_CUSTOMER,
)
from {{ cookiecutter.package_name }}.data.schema import (
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    NUMERIC_RANGES,
)
from {{ cookiecutter.package_name }}.serving.schemas import (
    Customer,
    Prediction,
    batch_request,
)

CUSTOMER = TypeAdapter(Customer)
SCHEMA = CUSTOMER.json_schema()


def test_every_categorical_field_is_an_enum_of_the_schema_levels() -> None:
    for column, levels in CATEGORICAL_LEVELS.items():
        assert SCHEMA["properties"][column]["enum"] == list(levels)


@pytest.mark.parametrize("column", list(NUMERIC_RANGES))
def test_numeric_fields_publish_the_schema_ranges(column: str) -> None:
    field = SCHEMA["properties"][column]
    number = next(option for option in field.get("anyOf", [field]) if "type" in option)
    assert (number["minimum"], number["maximum"]) == NUMERIC_RANGES[column]


def test_the_fields_are_the_raw_columns_without_churn() -> None:
    assert list(SCHEMA["properties"]) == ["customerID", *FEATURE_COLUMNS]
    assert set(SCHEMA["required"]) == set(FEATURE_COLUMNS)


@pytest.mark.parametrize("example", [EXAMPLE_CUSTOMER, NEW_CUSTOMER])
def test_the_documented_examples_are_valid(example: dict[str, Any]) -> None:
    customer = CUSTOMER.validate_python(example)
    assert customer == {**example, "TotalCharges": customer["TotalCharges"]}


@pytest.mark.parametrize("blank", [" ", "", None])
def test_a_blank_total_charges_is_valid_and_read_as_null(blank: str | None) -> None:
    customer = CUSTOMER.validate_python({**NEW_CUSTOMER, "TotalCharges": blank})
    assert customer["TotalCharges"] is None


@pytest.mark.parametrize(
    ("column", "value"),
    [("tenure", "12"), ("tenure", True), ("MonthlyCharges", float("nan")), ("tenure", 1.5)],
)
def test_numbers_are_strict(column: str, value: Any) -> None:
    with pytest.raises(ValidationError) as error:
        CUSTOMER.validate_python({**EXAMPLE_CUSTOMER, column: value})
    assert error.value.errors()[0]["loc"][0] == column


def test_answers_may_not_carry_undocumented_fields() -> None:
    answer = {"customerID": None, "churn_probability": 0.5, "churn": True, "model_version": "v"}
    with pytest.raises(ValidationError):
        Prediction.model_validate({**answer, "x": 1})


@pytest.mark.parametrize("size", [0, 3])
def test_a_batch_holds_one_to_max_size_customers(size: int) -> None:
    with pytest.raises(ValidationError) as error:
        batch_request(2).model_validate({"customers": [EXAMPLE_CUSTOMER] * size})
    assert error.value.errors()[0]["loc"] == ("customers",)
