"""The column arrays that parsing hands to scoring: numbers, text, or levels as codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Coded:
    """A categorical column as integer codes into ``levels``; code -1 is an unknown level.

    Arrow hands the batch scorer these codes for free (``pyarrow.compute.index_in``), so
    the encoder one-hots them by fancy indexing without looking up a single string.
    """

    codes: np.ndarray
    levels: tuple[str, ...]

    def __len__(self) -> int:
        """Return the number of values."""
        return len(self.codes)

    def to_text(self) -> np.ndarray:
        """Return the values as an object array of str (an unknown level as blank text)."""
        text: np.ndarray = np.array((*self.levels, ""), dtype=object)[self.codes]
        return text


#: One list (or array) of values per feature column; a blank TotalCharges is None or NaN.
Columns = Mapping[str, Sequence[Any] | np.ndarray | Coded]
