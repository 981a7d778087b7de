"""The msgspec fast path accepts exactly what the documented pydantic schema accepts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.data.schema import (
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
)
from {{ cookiecutter.package_name }}.serving.body import BodyValidators
from {{ cookiecutter.package_name }}.serving.schemas import (
    EXAMPLE_CUSTOMER,
    NEW_CUSTOMER,
    batch_adapter,
    customer_adapter,
)
from {{ cookiecutter.package_name }}.serving.wire import Decoders

DECODERS = Decoders(max_batch_size=3)
CUSTOMER = customer_adapter()
BATCH = batch_adapter(3)
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


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(st.sampled_from([*FEATURE_COLUMNS, ID_COLUMN, "Churn"]), VALUES))
def test_msgspec_accepts_a_customer_only_when_pydantic_does(changes: dict[str, Any]) -> None:
    body = json.dumps({**EXAMPLE_CUSTOMER, **changes}).encode()
    fast = DECODERS.customer(body)
    if fast is not None:
        assert fast == pydantic_row(body)


@settings(max_examples=100, deadline=None)
@given(missing=st.sets(st.sampled_from([*FEATURE_COLUMNS, ID_COLUMN])))
def test_a_missing_field_is_refused_by_both(missing: set[str]) -> None:
    body = json.dumps({k: v for k, v in EXAMPLE_CUSTOMER.items() if k not in missing}).encode()
    assert (DECODERS.customer(body) is None) == (pydantic_row(body) is None)


@pytest.mark.parametrize("customer", [EXAMPLE_CUSTOMER, NEW_CUSTOMER])
def test_the_examples_decode_to_the_same_row(customer: dict[str, Any]) -> None:
    body = json.dumps(customer).encode()
    assert DECODERS.customer(body) == pydantic_row(body) == customer


@pytest.mark.parametrize(
    "body",
    [b"", b"[]", b'{"customers": []}', b'{"customers": [1]}', b'{"customers": {}}'],
)
def test_a_bad_batch_is_left_to_pydantic(body: bytes) -> None:
    assert DECODERS.batch_columns(body) is None
    with pytest.raises(ValidationError):
        BATCH.validate_json(body)


def test_a_batch_decodes_to_columns_in_order() -> None:
    customers = [EXAMPLE_CUSTOMER, {k: v for k, v in NEW_CUSTOMER.items() if k != ID_COLUMN}]
    columns = DECODERS.batch_columns(json.dumps({"customers": customers}).encode())
    assert columns is not None
    assert columns[ID_COLUMN] == [EXAMPLE_CUSTOMER[ID_COLUMN], None]
    assert columns["TotalCharges"] == [EXAMPLE_CUSTOMER["TotalCharges"], " "]
    assert DECODERS.batch_columns(json.dumps({"customers": customers * 2}).encode()) is None


def test_nan_and_infinity_literals_are_left_to_pydantic() -> None:
    body = json.dumps({**EXAMPLE_CUSTOMER, "MonthlyCharges": float("nan")}).encode()
    assert DECODERS.customer(body) is None
    assert pydantic_row(body) is None


def test_a_body_only_pydantic_accepts_is_served_as_pydantic_reads_it() -> None:
    text = json.dumps({**EXAMPLE_CUSTOMER, "tenure": -1})
    body = (text[:-1] + ', "tenure": 3}').encode()  # a repeated key: the last one counts
    assert DECODERS.customer(body) is None
    assert BodyValidators.build(3).customer_row(body)["tenure"] == 3
