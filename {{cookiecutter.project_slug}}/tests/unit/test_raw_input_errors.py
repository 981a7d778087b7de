"""Malformed raw files are refused in one line that names the problem; the file is kept."""

from pathlib import Path

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.data.load import (
    load_raw,
    parse_raw,
    read_raw,
)
from {{ cookiecutter.package_name }}.errors import (
    DataError,
)


def csv_file(folder: Path, frame: pd.DataFrame, name: str = "raw.csv") -> Path:
    path = folder / name
    frame.to_csv(path, index=False)
    return path


def refused(path: Path, pattern: str) -> str:
    """Return the error ``load_raw`` gives, checking it is one line and the file unchanged."""
    before = path.read_bytes()
    with pytest.raises(DataError, match=pattern) as error:
        load_raw(path)
    assert path.read_bytes() == before
    message = str(error.value)
    assert "\n" not in message
    return message


def test_a_repeated_customer_id_is_refused_with_the_count_and_first_ids(
    raw_frame: pd.DataFrame,
) -> None:
    small = raw_frame.head(10)
    twice = pd.concat([small, small], ignore_index=True)
    with pytest.raises(DataError) as error:
        parse_raw(twice, source="twice.csv")
    first = small["customerID"].iloc[0]
    assert str(error.value).startswith(
        "twice.csv: column 'customerID' must be unique: 10 of 20 rows repeat an earlier ID "
        f"(first: '{first}', "
    )


def test_a_repeated_id_with_other_values_is_refused_too(raw_frame: pd.DataFrame) -> None:
    small = raw_frame.head(10).copy()
    small.loc[7, "customerID"] = small.loc[2, "customerID"]
    with pytest.raises(DataError, match=r"1 of 10 rows repeat an earlier ID"):
        parse_raw(small)


def test_customers_to_score_may_repeat(raw_frame: pd.DataFrame) -> None:
    small = raw_frame.head(10).drop(columns="Churn")
    assert len(parse_raw(pd.concat([small, small]), require_target=False)) == 20


def test_a_repeated_header_column_is_named(tmp_path: Path, raw_frame: pd.DataFrame) -> None:
    frame = raw_frame.head(5).copy()
    frame.insert(len(frame.columns), "Churn", frame["Churn"], allow_duplicates=True)
    message = refused(csv_file(tmp_path, frame), r"the header repeats column\(s\) 'Churn'")
    assert "Churn.1" not in message


def test_a_row_with_too_many_fields_is_one_line(tmp_path: Path, raw_frame: pd.DataFrame) -> None:
    path = csv_file(tmp_path, raw_frame.head(5))
    lines = path.read_text().splitlines()
    lines[3] += ",extra,extra"
    path.write_text("\n".join(lines) + "\n")
    refused(path, r"not a readable CSV file \(.*Expected 21 fields in line 4, saw 23\)$")


def test_a_row_with_too_few_fields_is_named_as_short(
    tmp_path: Path, raw_frame: pd.DataFrame
) -> None:
    path = csv_file(tmp_path, raw_frame.head(5))
    lines = path.read_text().splitlines()
    lines[3] = ",".join(lines[3].split(",")[:10])
    path.write_text("\n".join(lines) + "\n")
    refused(path, r"raw\.csv: data row 3 has 10 fields; the header has 21$")


@pytest.mark.parametrize(("value", "shown"), [("-4", "-4"), ("inf", "inf")])
def test_a_bad_number_is_shown_as_written_not_as_a_numpy_repr(
    raw_frame: pd.DataFrame, value: str, shown: str
) -> None:
    bad = raw_frame.head(5).copy()
    bad.loc[2, "tenure" if value == "-4" else "MonthlyCharges"] = value
    with pytest.raises(DataError) as error:
        parse_raw(bad)
    assert f"first bad value {shown} at data row 3" in str(error.value)
    assert "np." not in str(error.value)


def test_a_parquet_file_is_refused_as_not_the_raw_csv(
    tmp_path: Path, raw_frame: pd.DataFrame
) -> None:
    path = tmp_path / "raw.csv"  # the content counts, not the name
    raw_frame.head(5).to_parquet(path)
    with pytest.raises(DataError, match=r"raw\.csv: a Parquet file; .*reads the raw Telco CSV"):
        read_raw(path)
