"""Figures: seeding a 1,000,000-user org: wall time and peak RSS of the server process.

Each run is a fresh process (`benchmarks.seed_child`), so the peak is that of an emulator
that seeded the org and served its first pages, nothing else.
"""

from __future__ import annotations

from .common import Figure, Settings, median, run_child

WALL_TARGET_S = 20.0
RSS_TARGET_MIB = 1024.0


def run(settings: Settings) -> list[Figure]:
    users = 1_000_000 if settings.full else 20_000
    results = [run_child("benchmarks.seed_child", str(users), timeout=600) for _ in range(settings.runs)]
    walls = [r["wall_s"] for r in results]
    peaks = [r["vmhwm_mib"] or r["ru_maxrss_mib"] for r in results]
    progress = results[0]["progress_lines"]
    details = {
        "users": results[0]["users"],
        "first_reads_s_median": round(median([r["first_reads_s"] for r in results]), 3),
        "rss_after_mib_median": round(median([r["rss_after_mib"] for r in results]), 1),
        "rss_before_seed_mib": round(results[0]["rss_before_seed_mib"], 1),
        "progress_lines_first_run": progress,
        "measured_as": "create_app(Config(seed=...)) in a fresh process; peak = VmHWM after also serving page 0 and the last page",
    }
    return [
        Figure(
            name="seed_1m_wall",
            title=f"seeding {users:,} generated users, wall",
            measured=median(walls),
            target=WALL_TARGET_S,
            unit="s",
            direction="<=",
            runs=[round(w, 3) for w in walls],
            details=details,
        ),
        Figure(
            name="seed_1m_peak_rss",
            title=f"seeding {users:,} generated users, peak RSS of the server process",
            measured=median(peaks),
            target=RSS_TARGET_MIB,
            unit="MiB",
            direction="<=",
            runs=[round(p, 1) for p in peaks],
            details={"ru_maxrss_mib_runs": [round(r["ru_maxrss_mib"], 1) for r in results]},
        ),
    ]
