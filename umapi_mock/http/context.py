"""The one way from a Flask app (or the current request) to its emulator handle and to the
app's own HTTP-side caches."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from .page_cache import PageCache

if TYPE_CHECKING:
    from flask import Flask

    from ..emulator import Emulator

EXTENSION = "umapi_mock"
PAGES = "umapi_mock.pages"


def emulator_of(app: Flask | None = None) -> Emulator:
    """The emulator handle of `app`, or of the app handling the current request."""
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def pages_of(app: Flask | None = None) -> PageCache:
    """The app's cache of serialised read pages (HTTP bytes, keyed by org version)."""
    return (app or current_app).extensions[PAGES]  # type: ignore[no-any-return]


def attach(app: Flask, emulator: Emulator) -> None:
    app.extensions[EXTENSION] = emulator
    app.extensions[PAGES] = PageCache()
