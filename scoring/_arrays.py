"""Small private array helpers."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._errors import ScoringError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def as_float_array(x: Any, ndim: int, what: str) -> FloatArray:
    """Convert to a float64 array with exactly ``ndim`` dimensions."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ScoringError(f"{what} must be numeric: {exc}") from None
    if arr.ndim != ndim:
        raise ScoringError(f"{what} must be a {ndim}-dimensional array, got shape {arr.shape}")
    if np.isinf(arr).any():
        raise ScoringError(f"{what} contains infinite values; use NaN for 'no score'")
    return arr
