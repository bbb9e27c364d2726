"""pytest plugin (registered through the `pytest11` entry point): fixtures for a fake UMAPI."""
from __future__ import annotations
