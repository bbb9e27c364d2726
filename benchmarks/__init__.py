"""Benchmarks for issue 8: one figure per module, run together by `python -m benchmarks`.

Each figure is measured side by side with its reference in the same run (a ratio holds
on any machine), reported as the median of several runs, printed as
`measured / target (ratio)`, and written to `benchmarks/results.json`. `--quick` runs every
figure once at tiny sizes, only to prove the benchmarks still run; it writes to a temporary
file unless `--out` says otherwise. See benchmarks/README.md.
"""
