"""A `umapi_client.Connection` to an emulator, built with whichever `umapi_client` is installed.

The emulator does not depend on a client: this module is used only by the conveniences that
hand one out (the pytest plugin's `umapi_connection`, `InProcessUmapi.connection()`).  It uses
only the surface that umapi-client 3.0.1 and our reference client share, so Adobe's client
and ours are set up the same way: retry delays are the public attributes 3.0.1 reads, and
waits between attempts go through the `umapi_client.connection.sleep` name both modules call.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

NO_CLIENT = (
    "no umapi_client package is installed: install Adobe's client (pip install umapi-client==3.0.1) "
    "or umapi-mock's reference client (pip install <umapi-mock checkout>/umapi_client); "
    "the emulator itself does not need one"
)


class NoClientError(ImportError):
    """Raised when a Connection is asked for but no `umapi_client` can be imported."""


def import_client() -> ModuleType:
    """The installed `umapi_client` module, or a NoClientError that says how to get one."""
    try:
        import umapi_client
    except ImportError as exc:
        raise NoClientError(NO_CLIENT) from exc
    return umapi_client


def client_connection(
    org_id: str,
    client_id: str,
    client_secret: str,
    *,
    ims_host: str,
    endpoint: str,
    ssl_verify: bool | str = True,
    **options: Any,
) -> Any:
    """An OAuth S2S `Connection`, by default with zero retry back-off.

    `retry_first_delay` and `retry_random_delay` are set as attributes (3.0.1 has no such
    constructor arguments); the other `options` are passed to `Connection`."""
    client = import_client()
    first_delay = options.pop("retry_first_delay", 0)
    random_delay = options.pop("retry_random_delay", 0)
    auth = client.OAuthS2S(client_id, client_secret, auth_host=ims_host, ssl_verify=ssl_verify)
    conn = client.Connection(org_id=org_id, auth=auth, endpoint=endpoint, ssl_verify=ssl_verify, **options)
    conn.retry_first_delay = first_delay
    conn.retry_random_delay = random_delay
    return conn
