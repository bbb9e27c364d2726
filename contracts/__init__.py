"""The UMAPI contract kit: one suite that judges the emulator and the live API alike.

    pytest contracts/ --umapi-target inprocess          # the emulator, no socket (default)
    pytest contracts/ --umapi-target served             # the emulator over local HTTPS
    pytest contracts/ --umapi-target https://host[:port] --umapi-credentials creds.yaml
    umapi-mock contract --target URL --credentials FILE
    umapi-mock contract diff A.json B.json

Against a URL the suite is live-safe: every action carries `?testOnly=true` unless
`--umapi-allow-writes` is given (and then it only touches objects named
`contract-<run id>-...` in the `--umapi-domain` the caller names, removing them at the end);
reads are paced under the documented rate limits and obey `Retry-After`. Credentials come
from the environment or a file, never from the command line.

Every invariant a client relies on is judged by a fixed scenario in every target mode
(`test_invariants`), not only when the state machine's random examples reach it; a contract a
run's settings cannot judge (the 429 contracts in a dry run of a live org) is reported `n/a`,
which `diff` does not count as drift. `--umapi-contract NAME` runs only the tests of one
contract.

Modules: `strategies` (hypothesis strategies for every request shape), `target` (where the
requests go), `model` (the org model the state machine checks reads against), `registry`
(contract names and the recorder), `checks` (the checks tests share), `throttling` (making a
target throttle on purpose), `report` (contract-report.json, Markdown, diff), `cli`.
"""

from __future__ import annotations

CONTRACT_SET_VERSION = "2"  # 2: invariants judged in every mode, throttle.*, n/a
