"""Large request bodies give their memory back once answered.

glibc raises its mmap threshold to the size of the largest block freed (up to 32 MiB); after
the first multi-MiB body is freed, later ones are carved from the arena of whichever worker
thread copies them (Flask reads the body again), and an arena keeps what it held at its
peak. With 16 workers, ten 3 MB bodies grew a server by ~35 MiB that never came back. A
fixed threshold (which also turns off the dynamic one) keeps every block of 1 MiB or more in
its own mapping, returned to the system when freed; smaller blocks (cached pages are
~0.5 MiB) are not affected."""

from __future__ import annotations

import ctypes
import sys

LARGE_BLOCK = 1024 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's <malloc.h>
_applied = False


def release_large_blocks_promptly() -> bool:
    """Fix glibc's mmap threshold at LARGE_BLOCK for this process (once); False where
    there is no glibc `mallopt` (other C libraries, other systems), which changes nothing."""
    global _applied
    if _applied:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _applied = bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK) == 1)
    return _applied
