"""The emulator app for granian (`granian --factory benchmarks.granian_app:app`): the same app
`benchmarks.serve_child emulator` serves on umapi-mock's own server, so the figure compares
servers, not apps. granian is optional (`pip install granian`): never a dependency."""

from __future__ import annotations

import os
from typing import Any

PAGE_SIZE_ENV = "UMAPI_MOCK_BENCH_PAGE_SIZE"


def app() -> Any:
    from .serve_child import emulator_app

    return emulator_app(int(os.environ.get(PAGE_SIZE_ENV, "2000")), None)
