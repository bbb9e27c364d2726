"""Fill a data dir for the restart figure: `python -m benchmarks.durable_child DIR USERS`.

Seeds the demo org with USERS users in all (generated on top of its named ones) and saves
it as `serve --data-dir DIR` would on first start; prints one JSON line."""

from __future__ import annotations

import copy
import json
import sys
import time


def main(argv: list[str]) -> int:
    from umapi_mock.config import Config
    from umapi_mock.emulator import Emulator
    from umapi_mock.seed import DEMO_SEED

    data_dir, users = argv[0], int(argv[1])
    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"]["users"] = users - 3  # the demo org names three users itself
    start = time.perf_counter()
    emulator = Emulator.open(Config(seed=seed, data_dir=data_dir))  # seeded and saved
    emulator.close()
    print(json.dumps({"users": len(emulator.org().users), "fill_s": round(time.perf_counter() - start, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
