"""predict on a Dask cluster against one machine's `--workers`: the same distinct tweets as bench_predict, as one CSV
(`predict --workers 2`) and as partitions of PART_ROWS rows in Parquet and in CSV (`predict --engine dask
--local-workers 2`, a LocalCluster of two single-threaded processes on this machine). Rows/s, peak RSS of each
process, and the cluster's cost per partition; from those, the rows/s to expect on N machines.
`python bench/bench_scale.py [ROWS] [MODEL]` (ROWS default 1,000,000; MODEL as bench_predict's)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from bench_predict import MODELS, measure, write_tweets
from bench_predict import WORK as PREDICT_WORK

from run import RESULTS, ROOT, header

WORK = ROOT / "outputs" / "bench-scale"
PART_ROWS = 10_000


def write_partitions(source: Path, fmt: str) -> Path:
    "The rows of `source` as files of PART_ROWS rows each, in `fmt`, written once."
    import pandas as pd
    folder = WORK / f"{source.stem}-{fmt}"
    done = folder.with_name(folder.name + ".done")
    if done.exists(): return folder
    folder.mkdir(parents=True, exist_ok=True)
    for k, df in enumerate(pd.read_csv(source, chunksize=PART_ROWS, dtype={"text": str})):
        path = folder / f"part-{k:05d}.{fmt}"
        if fmt == "parquet": df.to_parquet(path, index=False)
        else: df.to_csv(path, index=False)
    done.write_text("")
    return folder


def measure_dask(model: Path, folder: Path, workers: int) -> dict:
    "`predict --engine dask` in a child process: rows/s and the peak RSS of each process of its process tree."
    import psutil
    out, log = WORK / f"{folder.name}.out", WORK / f"{folder.name}.log"
    start, peaks = time.perf_counter(), {}
    with open(log, "w") as err:
        child = subprocess.Popen([sys.executable, "-m", "tweetsent", "predict", "--model", str(model), "--input",
                                  str(folder), "--output", str(out), "--text-col", "text", "--engine", "dask",
                                  "--local-workers", str(workers)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        while child.poll() is None:
            try: procs = [psutil.Process(child.pid), *psutil.Process(child.pid).children(recursive=True)]
            except psutil.NoSuchProcess: procs = []
            for p in procs:
                try: peaks[p.pid] = max(peaks.get(p.pid, 0.0), p.memory_info().rss / 2**20)
                except psutil.NoSuchProcess: pass
            time.sleep(0.2)
    seconds, stderr = time.perf_counter() - start, log.read_text()
    if child.returncode: raise SystemExit(stderr[-2000:])
    found = re.search(r"predicted (\d+) rows in (\d+) partitions in ([\d.]+) s", stderr)
    rows, parts, labelling = int(found.group(1)), int(found.group(2)), float(found.group(3))
    top = sorted(peaks.values(), reverse=True)
    return {"rows": rows, "partitions": parts, "workers": workers, "seconds": seconds, "rows_per_s": rows / labelling,
            "peak_rss_mb_per_process": top, "peak_rss_mb_worker": top[0] if top else 0.0}


def run(rows: int = 1_000_000, model: Path | None = None) -> str:
    model = (model or next(m for m in MODELS if (m / "model_info.json").exists())).resolve()
    WORK.mkdir(parents=True, exist_ok=True); PREDICT_WORK.mkdir(parents=True, exist_ok=True)
    source = write_tweets(WORK / f"tweets-{rows}.csv", rows)
    local = measure(model, source, 2)
    formats = os.environ.get("BENCH_SCALE_FORMATS", "parquet csv").split()
    runs = {fmt: measure_dask(model, write_partitions(source, fmt), 2) for fmt in formats}
    (RESULTS / "scale.json").write_text(json.dumps({"model": str(model), "local": local, "dask": runs}, indent=1))
    best = max(runs.values(), key=lambda r: r["rows_per_s"])
    per_part = (best["rows"] / best["rows_per_s"] - best["rows"] / local["rows_per_s"]) * 2 / best["partitions"]
    per_worker = best["rows_per_s"] / 2
    part_seconds = PART_ROWS / per_worker
    lines = [f"| `predict --workers 2`, one CSV | {local['rows']:,} | {local['rows_per_s']:.0f} | "
             f"{local['peak_rss_mb']:.0f} (largest process) |"]
    lines += [f"| `--engine dask --local-workers 2`, {fmt} partitions of {PART_ROWS:,} | {r['rows']:,} | "
              f"{r['rows_per_s']:.0f} | {r['peak_rss_mb_worker']:.0f} (largest process) |" for fmt, r in runs.items()]
    ratio = best["rows_per_s"] / local["rows_per_s"]
    shorter = ("" if rows >= 1_000_000
               else " (a shorter run: a streamed read's rate does not change with size, see predict at scale)")
    return (header("predict on a Dask cluster", f"python bench/bench_scale.py {rows}")
            + f"Model: `{model.name}` ({json.loads((model / 'model_info.json').read_text())['variant']}); the "
              "tweets are bench_predict's distinct ones; the LocalCluster's two processes have one thread each, as "
              "the two `--workers` do.\n\n"
            + "| engine and input | rows | rows/s | peak RSS MB |\n|---|---|---|---|\n" + "\n".join(lines)
            + f"\n\nThe cluster runs at {ratio:.2f}× one machine's `--workers 2` (target ≥ 0.90: "
              f"**{'reached' if ratio >= 0.9 else 'not reached'}**); its largest process peaked at "
              f"{best['peak_rss_mb_worker']:.0f} MB (target < 1,500: "
              f"**{'reached' if best['peak_rss_mb_worker'] < 1500 else 'not reached'}**). "
              f"Rows {rows:,} of the 1,000,000 the issue names"
              f"{shorter}.\n"
            + f"\nOn paper: a worker labels a {PART_ROWS:,}-row partition in {part_seconds:.1f} s and the cluster adds "
              f"about {max(per_part, 0):.2f} s per partition (the difference from `--workers 2`, per partition and "
              f"worker). N machines of this kind with 2 workers each give about {per_worker * 2:.0f}·N rows/s "
              f"while the scheduler keeps up; at the scheduler's cost of about 1 ms a task (Dask's documentation), "
              f"that is up to some {part_seconds / 0.001:,.0f} workers for partitions this size, and larger partitions "
              "move the limit further.\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    section = run(rows, Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    (RESULTS / "scale.md").write_text(section)
    print(section)
