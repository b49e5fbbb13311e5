"""predict on a Dask cluster against one machine's `--workers`: the same distinct tweets as bench_predict, as one CSV
(`predict --workers 2`) and as partitions of PART_ROWS rows in Parquet and in CSV (`predict --engine dask
--local-workers 2`, a LocalCluster of two single-threaded processes on this machine). Rows/s, peak RSS of each
process, and the cluster's cost per partition; from those, the rows/s to expect on N machines.
`python bench/bench_scale.py [ROWS] [MODEL]` (ROWS default 1,000,000; MODEL as bench_predict's); each model and size
is kept as its own result, and the section shows them all."""
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

from run import RESULTS, ROOT, header, stamp

WORK = ROOT / "outputs" / "bench-scale"
STORE = RESULTS / "scale"
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
    """Measure `model` on `rows` tweets, keep the result under bench/results/scale/ (one file per model and size, with
    where and when it was measured) and render every kept result."""
    model = (model or next(m for m in MODELS if (m / "model_info.json").exists())).resolve()
    WORK.mkdir(parents=True, exist_ok=True); PREDICT_WORK.mkdir(parents=True, exist_ok=True)
    source = write_tweets(WORK / f"tweets-{rows}.csv", rows)
    local = measure(model, source, 2)
    formats = os.environ.get("BENCH_SCALE_FORMATS", "parquet csv").split()
    runs = {fmt: measure_dask(model, write_partitions(source, fmt), 2) for fmt in formats}
    info = json.loads((model / "model_info.json").read_text())
    STORE.mkdir(parents=True, exist_ok=True)
    (STORE / f"{model.name}-{rows}.json").write_text(json.dumps(
        {"model": model.name, "variant": info["variant"], "backbone": info.get("backbone", ""), "local": local,
         "dask": runs, "measured": stamp()}, indent=1))
    return section()


def section() -> str:
    "The kept results: a table row per engine and input, targets judged on the largest run, and the scaling on paper."
    kept = sorted((json.loads(f.read_text()) for f in STORE.glob("*.json")), key=lambda r: r["local"]["rows"])
    lines = []
    for r in kept:
        name = f"`{r['model']}` ({r['variant']}, {r['backbone']})"
        where = f"{r['measured']['machine'].split(',')[0]}, {r['measured']['date'][:10]}"
        lines.append(f"| {name} | {where} | `predict --workers 2`, one CSV | {r['local']['rows']:,} | "
                     f"{r['local']['rows_per_s']:.0f} | {r['local']['peak_rss_mb']:.0f} | |")
        lines += [f"| {name} | {where} | `--engine dask --local-workers 2`, {fmt} partitions of {PART_ROWS:,} | "
                  f"{d['rows']:,} | {d['rows_per_s']:.0f} | {d['peak_rss_mb_worker']:.0f} | "
                  f"{d['rows_per_s'] / r['local']['rows_per_s']:.2f}× |" for fmt, d in r["dask"].items()]
    top = kept[-1]
    best = max(top["dask"].values(), key=lambda d: d["rows_per_s"])
    ratio, rows = best["rows_per_s"] / top["local"]["rows_per_s"], top["local"]["rows"]
    per_part = (best["rows"] / best["rows_per_s"] - best["rows"] / top["local"]["rows_per_s"]) * 2 / best["partitions"]
    per_worker = best["rows_per_s"] / 2
    part_seconds = PART_ROWS / per_worker
    shorter = "" if rows >= 1_000_000 else f" ({rows:,} rows of the 1,000,000 the issue names)"
    return (header("predict on a Dask cluster", "python bench/bench_scale.py ROWS MODEL",
                   [r["measured"] for r in kept])
            + "The tweets are bench_predict's distinct ones; the LocalCluster's two processes have one thread each, "
              "as the two `--workers` do. Peak RSS is that of the largest process (a worker, or `predict`'s "
              "largest).\n\n"
            + ("A `tiny-random` backbone is the smoke params' tiny network with the full feature extractor and "
               "n-gram model: its cost per row is the features', as the served distilled model's is (predict at "
               "scale), so a 1,000,000-row run fits a sitting; the MiniLM rows show the engines on a network that "
               "dominates the cost.\n\n" if any(r["backbone"] == "tiny-random" for r in kept) else "")
            + "| model | machine, date | engine and input | rows | rows/s | peak RSS MB | dask / `--workers 2` |\n"
              "|---|---|---|---|---|---|---|\n" + "\n".join(lines)
            + f"\n\nOn the largest run{shorter}, the cluster runs at {ratio:.2f}× one machine's `--workers 2` "
              f"(target ≥ 0.90: **{'reached' if ratio >= 0.9 else 'not reached'}**); its largest process peaked at "
              f"{best['peak_rss_mb_worker']:.0f} MB (target < 1,500: "
              f"**{'reached' if best['peak_rss_mb_worker'] < 1500 else 'not reached'}**).\n"
            + f"\nOn paper, from that run: a worker labels a {PART_ROWS:,}-row partition in {part_seconds:.1f} s and "
              f"the cluster adds about {max(per_part, 0):.2f} s per partition (the difference from `--workers 2`, per "
              f"partition and worker, start-up included). N machines of this kind with 2 workers each give about "
              f"{per_worker * 2:.0f}·N rows/s while the scheduler keeps up; at the scheduler's cost of about 1 ms a "
              f"task (Dask's documentation, not measured here), that is up to some {part_seconds / 0.001:,.0f} "
              "workers for partitions this size, and larger partitions move the limit further.\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    section = run(rows, Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    (RESULTS / "scale.md").write_text(section)
    print(section)
