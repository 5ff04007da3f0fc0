"""Run every benchmark module, or those named on the command line (`python -m bench intake`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> None:
    names = sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_")
    )
    chosen = argv or names
    for name in chosen:
        if name not in names:
            sys.exit(f"no benchmark named {name!r}; have: {', '.join(names)}")
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(f"bench.bench_{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
