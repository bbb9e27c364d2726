"""umapi-mock: a faithful local emulator of Adobe's User Management API and IMS."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .inprocess import MockUMAPI, mock_umapi


def __getattr__(name: str) -> Any:
    # Lazy: importing the package must not pull in Flask or `requests`.
    if name in ("mock_umapi", "MockUMAPI"):
        from . import inprocess

        return getattr(inprocess, name)
    raise AttributeError(f"module 'umapi_mock' has no attribute {name!r}")


__all__ = ["__version__", "mock_umapi", "MockUMAPI"]
