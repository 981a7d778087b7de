"""Malformed raw files are refused in one line that names the problem; the file is kept."""

import gzip
import zipfile
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


def test_extra_fields_in_the_first_row_are_not_taken_for_an_index(
    tmp_path: Path, raw_frame: pd.DataFrame
) -> None:
    path = csv_file(tmp_path, raw_frame.head(5))
    lines = path.read_text().splitlines()
    lines[1] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    refused(path, r"raw\.csv: data row 1 has 22 fields; the header has 21$")


def test_a_field_too_long_for_the_row_check_is_one_line(
    tmp_path: Path, raw_frame: pd.DataFrame
) -> None:
    path = csv_file(tmp_path, raw_frame.head(5))
    lines = path.read_text().splitlines()
    lines[2] = '"' + "x" * 200_000 + '"'  # one field, blank last column: the rows are read again
    path.write_text("\n".join(lines) + "\n")
    refused(path, r"raw\.csv: not a readable CSV file \(field larger than")


@pytest.mark.parametrize(
    ("encoding", "kind"),
    [
        ("utf-16", "UTF-16 text"),
        ("gzip", "gzip-compressed"),
        ("zip", "a ZIP archive"),
        ("mac", "a carriage return alone"),  # Excel for Mac's "CSV (Macintosh)"
    ],
)
def test_a_file_that_is_not_utf8_csv_is_named_for_what_it_is(
    tmp_path: Path, raw_frame: pd.DataFrame, encoding: str, kind: str
) -> None:
    path = tmp_path / "raw.csv"
    text = raw_frame.head(5).to_csv(index=False)
    if encoding == "utf-16":
        path.write_bytes(text.encode("utf-16"))  # with a byte-order mark, as Excel saves it
    elif encoding == "gzip":
        path.write_bytes(gzip.compress(text.encode()))
    elif encoding == "mac":
        path.write_bytes(text.replace("\n", "\r").encode())
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("raw.csv", text)
    assert kind in refused(path, r"save it as a CSV file in UTF-8")


def test_a_folder_is_not_called_missing(tmp_path: Path) -> None:
    (tmp_path / "raw.csv").mkdir()
    with pytest.raises(DataError, match=r"raw\.csv: a folder; give a CSV or Parquet file$"):
        load_raw(tmp_path / "raw.csv")


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
