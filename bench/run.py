"""Benchmarks for tweetsent. `python bench/run.py [NAME ...]` (or `make bench`) runs the named benchmarks (default:
all), writes each one's section to bench/results/NAME.md and rebuilds BENCHMARKS.md from every section there.
Benchmarks may read ../shared/data (the real Kaggle test set); tests never do."""
from __future__ import annotations

import argparse
import datetime as dt
import importlib
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
# module bench/bench_<name>.py, function run() -> markdown
BENCHMARKS = ["pipeline", "features", "model", "compression", "semeval", "human2", "predict", "scale"]


def machine() -> str:
    import os

    import torch
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
               platform.processor())
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{os.cpu_count()} cores ({cpu}), {gpu}, Python {platform.python_version()}, torch {torch.__version__}"


def stamp() -> dict:
    "Where and when a result was measured, stored beside it so that a section rendered later says so."
    return {"machine": machine(), "date": f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"}


def header(title: str, command: str, measured: list[dict] | None = None) -> str:
    "A section's heading, command, machine and date: those of `measured` (stored stamps) where given, else now."
    where = sorted({m["machine"] for m in measured or []}) or [machine()]
    when = max((m["date"] for m in measured or []), default=stamp()["date"])
    return f"## {title}\n\n- command: `{command}`\n- machine: {'; '.join(where)}\n- date: {when}\n\n"


def rebuild() -> Path:
    parts = ["# Benchmarks\n\nWritten by `python bench/run.py` (`make bench`); each section says its command, "
             "machine and date.\n"]
    # gpu.md is written by hand from bench/gpu_check.py's output on a lent GPU machine (none here)
    parts += [(RESULTS / f"{n}.md").read_text() for n in BENCHMARKS + ["gpu"] if (RESULTS / f"{n}.md").exists()]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(parts))
    return ROOT / "BENCHMARKS.md"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("names", nargs="*", choices=BENCHMARKS + [[]], default=[])
    names = ap.parse_args().names or BENCHMARKS
    sys.path.insert(0, str(ROOT / "bench"))
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in names:
        print(f"[bench] {name}", flush=True)
        section = importlib.import_module(f"bench_{name}").run()
        (RESULTS / f"{name}.md").write_text(section)
    print(rebuild())
    return 0


if __name__ == "__main__":
    sys.exit(main())
