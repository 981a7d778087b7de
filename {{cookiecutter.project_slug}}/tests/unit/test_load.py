from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.data.load import (
    check_both_classes,
    load_raw,
    parse_raw,
    read_raw,
    split_xy,
)
from {{ cookiecutter.package_name }}.data.schema import (
    FEATURE_COLUMNS,
    RAW_COLUMNS,
)
from {{ cookiecutter.package_name }}.errors import DataError

# Two rows as they stand in the published file, blank TotalCharges included.
PUBLISHED = (
    ",".join(RAW_COLUMNS)
    + "\n7590-VHVEG,Female,0,Yes,No,1,No,No phone service,DSL,No,Yes,No,No,No,No,"
    + "Month-to-month,Yes,Electronic check,29.85,29.85,No"
    + "\n4472-LVYGI,Female,0,Yes,Yes,0,No,No phone service,DSL,Yes,No,Yes,Yes,Yes,No,"
    + "Two year,Yes,Bank transfer (automatic),52.55, ,No\n"
)


@pytest.fixture
def published(tmp_path: Path) -> Path:
    path = tmp_path / "telco.csv"
    path.write_text(PUBLISHED)
    return path


def test_it_reads_the_published_format_unchanged(published: Path) -> None:
    before = published.read_bytes()
    frame = load_raw(published)
    assert published.read_bytes() == before
    assert frame["Churn"].tolist() == [0, 0]
    assert frame["tenure"].tolist() == [1, 0]
    assert frame["TotalCharges"].iloc[0] == pytest.approx(29.85)
    assert np.isnan(frame["TotalCharges"].iloc[1])
    assert frame["customerID"].tolist() == ["7590-VHVEG", "4472-LVYGI"]


def test_read_raw_keeps_every_value_as_text(published: Path) -> None:
    raw = read_raw(published)
    assert raw.loc[1, "TotalCharges"] == " "
    assert raw.loc[0, "SeniorCitizen"] == "0"


def test_parse_raw_does_not_change_its_input(raw_frame: pd.DataFrame) -> None:
    copy = raw_frame.copy()
    parse_raw(raw_frame)
    pd.testing.assert_frame_equal(raw_frame, copy)


def test_target_is_optional_when_not_required(raw_frame: pd.DataFrame) -> None:
    frame = parse_raw(raw_frame.drop(columns="Churn"), require_target=False)
    assert "Churn" not in frame.columns


def test_a_missing_column_is_named(raw_frame: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"missing column.*'Contract'"):
        parse_raw(raw_frame.drop(columns="Contract"))


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda text: text.replace(",", ";"), "the header is one column split by ';'"),
        (
            lambda text: text.replace("customerID", "customerid", 1),
            "'customerID' (found 'customerid': names are case-sensitive)",
        ),
        (lambda text: "id,name\n1,Ann\n", "no Telco column in its header ('id', 'name');"),
    ],
    ids=["semicolons", "lower-case", "another-table"],
)
def test_a_header_in_another_shape_says_what_to_fix(
    published: Path, tmp_path: Path, edit: Callable[[str], str], named: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(edit(published.read_text()))
    with pytest.raises(DataError) as refused:
        load_raw(path)
    assert named in str(refused.value)


def test_a_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        load_raw(tmp_path / "absent.csv")


def test_an_empty_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DataError, match=r"no header \(the file or its first line is empty\)"):
        read_raw(path)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("tenure", "ten", "column 'tenure'"),
        ("tenure", "1.5", "whole number"),
        ("MonthlyCharges", " ", "column 'MonthlyCharges'"),
        ("TotalCharges", "n/a", "column 'TotalCharges'"),
        ("Churn", "maybe", "column 'Churn'"),
    ],
)
def test_a_bad_value_is_named_with_its_row(
    raw_frame: pd.DataFrame, column: str, value: str, expected: str
) -> None:
    bad = raw_frame.copy()
    bad.loc[3, column] = value
    with pytest.raises(DataError, match=expected) as error:
        parse_raw(bad, source="upload.csv")
    message = str(error.value)
    assert message.startswith("upload.csv: ")
    assert f"1 of {len(bad)} rows" in message
    assert repr(value) in message
    assert "data row 4" in message
    assert "\n" not in message


def test_split_xy_returns_the_feature_columns_and_target(raw_frame: pd.DataFrame) -> None:
    features, target = split_xy(parse_raw(raw_frame))
    assert tuple(features.columns) == FEATURE_COLUMNS
    assert set(target.unique()) == {0, 1}


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + PUBLISHED.encode())
    assert load_raw(path)["customerID"].tolist() == ["7590-VHVEG", "4472-LVYGI"]


def test_one_class_only_is_refused(published: Path) -> None:
    with pytest.raises(DataError, match="needs at least 2 'Yes' and 2 'No' rows, found 0 'Yes'"):
        check_both_classes(load_raw(published), "published")
