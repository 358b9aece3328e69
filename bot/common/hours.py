"""Working hours two people share, from their UTC offsets alone: one formula for every
capability that pairs people (mentoring, intros)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

WORKDAY_HOURS = 8.0  # overlap is measured between two 09:00-17:00 local working days


def overlap_hours(
    seeker_offsets: NDArray[np.float64], mentor_offsets: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Hours both working days share, for every pair of UTC offsets (NaN: unknown)."""
    apart = np.abs(seeker_offsets[:, None] - mentor_offsets[None, :]) % 24
    overlap: NDArray[np.float64] = np.maximum(0.0, WORKDAY_HOURS - np.minimum(apart, 24 - apart))
    return overlap
