"""The emulator's entry points the benchmarks use, in one place, spelled so that the same
benchmark code measures a tree from before the composition-root change (issue 22 item 2:
`create_emulator`, `emulator.app`, `emulator.pages`, persistence wired from outside) and one
from after it (`Emulator.open(config)`, `create_app(emulator)`, `pages_of(app)`,
`emulator.close()`). `benchmarks.compare` runs this checkout's benchmark code against an
older baseline, so each function tries the current spelling and falls back to the older one.
A later rename is handled here, once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def make_app(config: Any) -> Any:
    """A Flask app for `config` (a `umapi_mock.config.Config`)."""
    from umapi_mock.http.app import create_app

    return create_app(config)


def emulator_of(app: Any) -> Any:
    from umapi_mock.http.context import emulator_of as of

    return of(app)


def open_emulator(config: Any, data_dir: Path | str | None = None) -> Any:
    """An emulator handle for `config`; with `data_dir`, one whose state is kept there (saved
    at once, every answered change committed before its answer). Close it with `close`."""
    from umapi_mock.emulator import Emulator

    if hasattr(Emulator, "open"):
        if data_dir is not None:
            import dataclasses

            config = dataclasses.replace(config, data_dir=str(data_dir))
        return Emulator.open(config)
    from umapi_mock.http.app import create_emulator  # the spelling before Emulator.open

    emulator = create_emulator(config)
    emulator.__dict__["_bench_persistence"] = None
    if data_dir is not None:
        from umapi_mock.persistence import Persistence, Store

        persistence = Persistence(Store.open(data_dir), emulator)
        persistence.save_all()
        persistence.start()
        emulator.__dict__["_bench_persistence"] = persistence
    return emulator


def persistence_of(emulator: Any) -> Any:
    found = getattr(emulator, "persistence", None)
    return found if found is not None else emulator.__dict__.get("_bench_persistence")


def close(emulator: Any) -> None:
    if hasattr(emulator, "close"):
        emulator.close()
        return
    persistence = emulator.__dict__.get("_bench_persistence")
    if persistence is not None:
        persistence.close()


def app_of(emulator: Any) -> Any:
    """The Flask app serving `emulator`: a fresh adapter where the handle keeps no app."""
    app = getattr(emulator, "app", None)
    if app is not None:
        return app
    from umapi_mock.http.app import create_app

    return create_app(emulator)


def drop_page_caches(app: Any, org: Any) -> None:
    """Forget an org's page records and the app's serialised pages, keeping the org's id lists."""
    with org.lock:
        derived = getattr(org, "derived", None)  # the views since Org was split; before, Org._pages
        (derived.pages if derived is not None else org._pages).clear()
    try:
        from umapi_mock.http.context import pages_of  # type: ignore[attr-defined]
    except ImportError:
        emulator_of(app).pages.clear()
    else:
        pages_of(app).clear()
