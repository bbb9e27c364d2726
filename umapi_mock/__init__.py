"""umapi-mock: a faithful local emulator of Adobe's User Management API and IMS."""
from __future__ import annotations

__version__ = "0.1.0"
