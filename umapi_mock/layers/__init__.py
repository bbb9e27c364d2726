"""Cross-cutting layers around the UMAPI handlers: throttling, fault injection, the request
journal and the admin API. Each is installed here, so handlers stay free of them."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from ..config import Config
    from ..domain.backend import Backend


def install_layers(app: "Flask", config: "Config", backend: "Backend") -> None:
    """Wire every layer into the app (none are installed yet: see issue 5)."""
