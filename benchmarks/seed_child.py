"""One seeding measurement in a fresh process: `python -m benchmarks.seed_child USERS`.

Builds the emulator app the way `umapi-mock serve --seed` does (seed load with a
`generate` block, then the served copy of each org), timing that wall-clock, then answers
page 0 and the last users page through the WSGI app so the peak also covers the first
reads (the ordered id list and a serialised page). Prints one JSON line: wall seconds,
peak RSS (VmHWM, and ru_maxrss), RSS after, and the progress lines seen on stderr.
"""

from __future__ import annotations

import copy
import io
import json
import resource
import sys
import time
from contextlib import redirect_stderr
from pathlib import Path


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def main(argv: list[str]) -> int:
    users = int(argv[0])
    page_size = int(argv[1]) if len(argv) > 1 else 2000
    from umapi_mock.config import Config
    from umapi_mock.http.app import create_app
    from umapi_mock.http.context import emulator_of
    from umapi_mock.seed import DEMO_ORG_ID, DEMO_SEED

    seed = copy.deepcopy(DEMO_SEED)
    seed["orgs"][0]["generate"]["users"] = users - len(seed["orgs"][0]["users"])
    rss_before = _status_kib("VmRSS")
    captured = io.StringIO()

    real_stderr = sys.stderr

    class Tee(io.TextIOBase):
        def write(self, text: str) -> int:
            captured.write(text)
            real_stderr.write(text)
            return len(text)

    start = time.perf_counter()
    with redirect_stderr(Tee()):
        app = create_app(Config(seed=seed, users_page_size=page_size, progress=True))
    wall = time.perf_counter() - start
    org = emulator_of(app).org()
    total = len(org.users)
    client = app.test_client()
    token = client.post(
        "/ims/token/v2",
        data={
            "grant_type": "client_credentials",
            "client_id": "test-client",
            "client_secret": "test-secret",
            "scope": "openid,AdobeID,user_management_sdk",
        },
    ).get_json()["access_token"]
    headers = {"X-Api-Key": "test-client", "Authorization": f"Bearer {token}"}
    last = -(-len(org.active_user_ids()) // page_size) - 1
    read_start = time.perf_counter()
    for page in (0, last):
        r = client.get(f"/v2/usermanagement/users/{DEMO_ORG_ID}/{page}", headers=headers)
        if r.status_code != 200:
            raise SystemExit(f"page {page}: HTTP {r.status_code}")
    first_reads = time.perf_counter() - read_start
    progress = [line for line in captured.getvalue().splitlines() if line.startswith("seeding ")]
    print(
        json.dumps(
            {
                "users": total,
                "wall_s": wall,
                "first_reads_s": first_reads,
                "vmhwm_mib": (_status_kib("VmHWM") or 0) / 1024,
                "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "rss_after_mib": (_status_kib("VmRSS") or 0) / 1024,
                "rss_before_seed_mib": (rss_before or 0) / 1024,
                "progress_lines": progress,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
