"""`Retry-After` (RFC 9110 §10.2.3) as seconds to wait: delta-seconds or an HTTP-date.

Shared by the contract kit (which waits out 429s of a live org) and the emulator; the
reference client `umapi_client` is a separate distribution and keeps its own parser.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable


def retry_after_seconds(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait, never negative; None when the header is absent or unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now())
