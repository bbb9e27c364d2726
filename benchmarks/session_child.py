"""`python -m benchmarks.session_child TLS_DIR`: the plugin's session server started and
stopped once in a fresh process that has imported only pytest and the plugin, as a pytest
session has when its first test asks for `umapi_server`. Prints one JSON line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    import pytest  # noqa: F401 - imported before the clock starts, as in a pytest session

    import umapi_mock.pytest_plugin  # noqa: F401 - loaded at start-up by its entry point
    from umapi_mock.testing import start_server

    start = time.perf_counter()
    server = start_server(Path(argv[0]))
    started = time.perf_counter()
    server.stop()
    stopped = time.perf_counter()
    print(json.dumps({"start_s": started - start, "stop_s": stopped - started}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
