"""Request bodies: the msgspec fast path accepts only what the documented pydantic schema does."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.data.schema import (
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
)
from {{ cookiecutter.package_name }}.serving.schemas import (
    EXAMPLE_CUSTOMER,
    FIELDS,
    NEW_CUSTOMER,
    batch_adapter,
    batch_struct,
    customer_adapter,
    customer_struct,
)
from {{ cookiecutter.package_name }}.serving.validation import (
    BodyValidators,
    InvalidBodyError,
)

VALIDATORS = BodyValidators(max_batch_size=3)
CUSTOMER = customer_adapter()
BATCH = batch_adapter(3)
FAST_CUSTOMER = msgspec.json.Decoder(customer_struct())
FAST_BATCH = msgspec.json.Decoder(batch_struct(customer_struct(), 3))
#: Values that are valid somewhere in the schema, and many that are not.
VALUES = st.one_of(
    st.sampled_from([v for levels in CATEGORICAL_LEVELS.values() for v in levels]),
    st.sampled_from(["", " ", "  ", "12", "yes", "NaN"]),
    st.none(),
    st.booleans(),
    st.integers(-3, 1300),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=70),
    st.just([]),
)


def pydantic_row(body: bytes) -> dict[str, Any] | None:
    try:
        return {ID_COLUMN: None, **CUSTOMER.validate_json(body)}
    except ValidationError:
        return None


def fast_row(body: bytes) -> dict[str, Any] | None:
    try:
        decoded = FAST_CUSTOMER.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return {field: getattr(decoded, field) for field in FIELDS}


def fast_batch(body: bytes) -> Any:
    try:
        return FAST_BATCH.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(st.sampled_from([*FEATURE_COLUMNS, ID_COLUMN, "Churn"]), VALUES))
def test_msgspec_accepts_a_customer_only_when_pydantic_does(changes: dict[str, Any]) -> None:
    body = json.dumps({**EXAMPLE_CUSTOMER, **changes}).encode()
    fast = fast_row(body)
    if fast is not None:
        assert fast == pydantic_row(body)


@settings(max_examples=100, deadline=None)
@given(missing=st.sets(st.sampled_from([*FEATURE_COLUMNS, ID_COLUMN])))
def test_a_missing_field_is_refused_by_both(missing: set[str]) -> None:
    body = json.dumps({k: v for k, v in EXAMPLE_CUSTOMER.items() if k not in missing}).encode()
    assert (fast_row(body) is None) == (pydantic_row(body) is None)


@pytest.mark.parametrize("customer", [EXAMPLE_CUSTOMER, NEW_CUSTOMER])
def test_the_examples_decode_to_the_same_row(customer: dict[str, Any]) -> None:
    body = json.dumps(customer).encode()
    assert fast_row(body) == pydantic_row(body) == customer


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b'{"customers": []}', b'{"customers": [1]}', b'{"customers": {}}'],
)
def test_a_bad_batch_is_refused_by_both_with_pydantic_errors(body: bytes) -> None:
    assert fast_batch(body) is None
    with pytest.raises(InvalidBodyError):
        VALIDATORS.batch_columns(body)


def test_a_batch_decodes_to_columns_in_order() -> None:
    customers = [EXAMPLE_CUSTOMER, {k: v for k, v in NEW_CUSTOMER.items() if k != ID_COLUMN}]
    columns = VALIDATORS.batch_columns(json.dumps({"customers": customers}).encode())
    assert list(columns) == list(FIELDS)
    assert list(columns[ID_COLUMN]) == [EXAMPLE_CUSTOMER[ID_COLUMN], None]
    assert list(columns["TotalCharges"]) == [EXAMPLE_CUSTOMER["TotalCharges"], " "]
    with pytest.raises(InvalidBodyError, match="at most 3"):
        VALIDATORS.batch_columns(json.dumps({"customers": customers * 2}).encode())


def test_nan_and_infinity_literals_are_left_to_pydantic() -> None:
    body = json.dumps({**EXAMPLE_CUSTOMER, "MonthlyCharges": float("nan")}).encode()
    assert fast_row(body) is None
    assert pydantic_row(body) is None


def test_a_body_only_pydantic_accepts_is_served_as_pydantic_reads_it() -> None:
    text = json.dumps({**EXAMPLE_CUSTOMER, "tenure": -1})
    body = (text[:-1] + ', "tenure": 3}').encode()  # a repeated key: the last one counts
    assert fast_row(body) is None
    assert VALIDATORS.customer_row(body)["tenure"] == 3


@pytest.mark.parametrize("column", ["SeniorCitizen", "tenure"])
def test_an_integral_float_is_accepted_for_an_integer_field(column: str) -> None:
    body = json.dumps({**EXAMPLE_CUSTOMER, column: 1.0}).encode()
    row = VALIDATORS.customer_row(body)
    assert row[column] == 1
    assert type(row[column]) is int
    with pytest.raises(InvalidBodyError) as refused:
        VALIDATORS.customer_row(json.dumps({**EXAMPLE_CUSTOMER, column: 1.5}).encode())
    assert refused.value.errors[0]["loc"] == ["body", column]
