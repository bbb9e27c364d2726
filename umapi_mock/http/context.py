"""The one way from a Flask app (or the current request) to its emulator's objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from flask import Flask

    from ..emulator import Emulator

EXTENSION = "umapi_mock"


def emulator_of(app: Flask | None = None) -> Emulator:
    """The emulator handle of `app`, or of the app handling the current request."""
    return (app or current_app).extensions[EXTENSION]  # type: ignore[no-any-return]


def attach(app: Flask, emulator: Emulator) -> None:
    app.extensions[EXTENSION] = emulator
    emulator.app = app
