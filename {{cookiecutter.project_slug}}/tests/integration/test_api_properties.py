"""Property-based tests: valid customers always score; nothing a client sends gets a 5xx."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from {{ cookiecutter.package_name }}.data.schema import (
    CATEGORICAL_FEATURES,
    CATEGORICAL_LEVELS,
    FEATURE_COLUMNS,
    ID_COLUMN,
    INTEGER_COLUMNS,
    NUMERIC_FEATURES,
    NUMERIC_RANGES,
)

# Bounded and deadline-free, so the suite stays quick and steady on a busy CI runner.
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON_HEADERS = {"content-type": "application/json"}


def _valid_value(column: str) -> st.SearchStrategy[Any]:
    """Return a strategy of the values the schema allows in ``column``."""
    if column in CATEGORICAL_LEVELS:
        return st.sampled_from(CATEGORICAL_LEVELS[column])
    low, high = NUMERIC_RANGES[column]
    if column in INTEGER_COLUMNS:
        return st.integers(int(low), int(high))
    number = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if column == "TotalCharges":
        return number | st.sampled_from([" ", "", None])
    return number


def customers() -> st.SearchStrategy[dict[str, Any]]:
    """Return a strategy of valid customers in the raw column format."""
    return st.fixed_dictionaries(
        {column: _valid_value(column) for column in FEATURE_COLUMNS},
        optional={ID_COLUMN: st.text(max_size=64)},
    )


def _invalid_value(column: str) -> st.SearchStrategy[Any]:
    """Return a strategy of values ``column`` must refuse: wrong type, level or range."""
    wrong_type = st.sampled_from([[], {}, True, [1]])
    if column in CATEGORICAL_LEVELS:
        levels = CATEGORICAL_LEVELS[column]
        return wrong_type | st.none() | st.integers() | st.text().filter(lambda t: t not in levels)
    low, high = NUMERIC_RANGES[column]
    out_of_range = st.floats(max_value=low, exclude_max=True) | st.floats(
        min_value=high, exclude_min=True
    )
    bad = wrong_type | out_of_range | st.sampled_from(["12", "abc"])
    if column in INTEGER_COLUMNS:
        return (
            bad
            | st.none()
            | st.floats(low + 0.1, high - 0.1)
            | st.integers(min_value=int(high) + 1)
        )
    if column == "TotalCharges":
        return bad | st.sampled_from(["  ", "\t"])
    return bad | st.none()


def _fields(answer: Any) -> list[Any]:
    """Return the field named by each validation error of a 422 answer."""
    assert answer.status_code == 422, answer.text
    return [error["loc"][1] if len(error["loc"]) > 1 else None for error in answer.json()["detail"]]


@FAST
@given(customer=customers())
def test_every_valid_customer_scores(client: TestClient, customer: dict[str, Any]) -> None:
    answer = client.post("/predict", json=customer)
    assert answer.status_code == 200, answer.text
    assert 0.0 <= answer.json()["churn_probability"] <= 1.0
    assert answer.json()["customerID"] == customer.get(ID_COLUMN)


@FAST
@given(batch=st.lists(customers(), min_size=1, max_size=20))
def test_a_valid_batch_scores_every_customer_in_order(
    client: TestClient, batch: list[dict[str, Any]]
) -> None:
    answer = client.post("/predict/batch", json={"customers": batch})
    assert answer.status_code == 200, answer.text
    predictions = answer.json()["predictions"]
    assert [p["customerID"] for p in predictions] == [c.get(ID_COLUMN) for c in batch]


@FAST
@given(customer=customers(), data=st.data())
def test_a_bad_value_gets_422_naming_its_field(
    client: TestClient, customer: dict[str, Any], data: st.DataObject
) -> None:
    column = data.draw(st.sampled_from(FEATURE_COLUMNS))
    customer[column] = data.draw(_invalid_value(column))
    body = json.dumps(customer).encode()  # NaN and Infinity become JSON literals
    assert column in _fields(client.post("/predict", content=body, headers=JSON_HEADERS))


@FAST
@given(customer=customers(), data=st.data())
def test_a_missing_or_extra_field_gets_422_naming_it(
    client: TestClient, customer: dict[str, Any], data: st.DataObject
) -> None:
    if data.draw(st.booleans()):
        column = data.draw(st.sampled_from(FEATURE_COLUMNS))
        del customer[column]
    else:
        column = data.draw(st.text(min_size=1).filter(lambda t: t not in customer))
        customer[column] = data.draw(st.none() | st.integers() | st.text())
    assert column in _fields(client.post("/predict", json=customer))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)
    ),
    max_leaves=25,
)


@FAST
@given(payload=json_values, path=st.sampled_from(["/predict", "/predict/batch"]))
def test_arbitrary_json_never_gets_a_server_error(
    client: TestClient, payload: Any, path: str
) -> None:
    answer = client.post(path, content=json.dumps(payload).encode(), headers=JSON_HEADERS)
    assert 400 <= answer.status_code < 500, answer.text


@FAST
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(["application/json", "text/plain", "", "application/x+json"]),
)
def test_arbitrary_bytes_never_get_a_server_error(
    client: TestClient, body: bytes, content_type: str
) -> None:
    answer = client.post("/predict", content=body, headers={"content-type": content_type})
    assert 400 <= answer.status_code < 500, answer.text


@FAST
@given(customer=customers(), column=st.sampled_from(CATEGORICAL_FEATURES + NUMERIC_FEATURES))
def test_a_batch_names_the_bad_customer_and_field(
    client: TestClient, customer: dict[str, Any], column: str
) -> None:
    bad = {key: value for key, value in customer.items() if key != column}
    answer = client.post("/predict/batch", json={"customers": [customer, bad]})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "customers", 1, column]
