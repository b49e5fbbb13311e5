"""predict at scale: a CSV of generated tweets (the real test set's 3,798 tweets, then the same tweets with their words
shuffled, so that no text repeats; each with a row id) labelled by
`python -m tweetsent predict` in a child process: throughput and peak memory (RSS) of a small file against a large
one, so a streamed read shows as the same rate and the same memory whatever the file's size.
`python bench/bench_predict.py [ROWS] [MODEL]` (ROWS default 1,000,000; MODEL default the SemEval benchmark's
distilled student in ONNX int8, else that student in fp32, else its recipe model)."""
from __future__ import annotations

import csv
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

from run import RESULTS, ROOT, header

DATA = ROOT.parent / "shared" / "data" / "Corona_NLP_test.csv"
WORK = ROOT / "outputs" / "bench-predict"
SMALL = int(os.environ.get("BENCH_PREDICT_SMALL", 20_000))
MODELS = [ROOT / "outputs" / "bench-semeval" / "compressed" / n
          for n in ("distill+onnx-int8", "distill")] + [ROOT / "outputs" / "bench-semeval" / "model"]


def tweet(texts: list[str], i: int) -> str:
    """Row `i`'s text: the real tweets in order, then each again with its words in an order drawn from `i`, so no text
    repeats (a repeated text would be scored by VADER once per chunk and flatter the rate) and the words stay real."""
    text = texts[i % len(texts)]
    if i < len(texts): return text
    words = text.split(" ")
    random.Random(i).shuffle(words)
    return " ".join(words)


def write_tweets(path: Path, rows: int) -> Path:
    "`rows` distinct tweets made from the real test set (see `tweet`), with an id column, written once."
    import pandas as pd
    if path.exists() and sum(1 for _ in open(path, "rb")) > rows: return path
    texts = pd.read_csv(DATA, encoding="latin-1")["OriginalTweet"].astype(str).tolist()
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f); w.writerow(["id", "text"])
        for i in range(rows): w.writerow([i, tweet(texts, i)])
    return path


def tree_rss_mb(pid: int) -> float:
    "Resident memory of a process and all its descendants, in MB (shared pages counted once per process)."
    import psutil  # installed with accelerate
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess: return 0.0
    total = 0
    for proc in processes:
        try: total += proc.memory_info().rss
        except psutil.NoSuchProcess: pass
    return total / 2**20


def measure(model: Path, source: Path, workers: int = 1) -> dict:
    """One predict in a child process: wall time, rows/s, the largest peak RSS of the child or a worker (from wait4)
    and the peak total RSS of the child and its worker processes (sampled every 0.2 s)."""
    out, log = WORK / f"{source.stem}.pred.csv", WORK / f"{source.stem}.log"
    start, tree_peak = time.perf_counter(), 0.0
    with open(log, "w") as err:
        child = subprocess.Popen([sys.executable, "-m", "tweetsent", "predict", "--model",
                                  str(model), "--input", str(source),
                                  "--output", str(out), "--text-col", "text", "--workers", str(workers)],
                                 cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        while not (done := os.wait4(child.pid, os.WNOHANG))[0]:
            tree_peak = max(tree_peak, tree_rss_mb(child.pid))
            time.sleep(0.2)
        _, status, usage = done
    seconds, stderr = time.perf_counter() - start, log.read_text()
    if status: raise SystemExit(stderr[-2000:])
    found = re.search(r"predicted (\d+) rows in ([\d.]+) s", stderr)
    rows, labelling = int(found.group(1)), float(found.group(2))
    out.unlink()
    return {"rows": rows, "workers": workers, "seconds": seconds, "rows_per_s": rows / labelling,
            "peak_rss_mb": usage.ru_maxrss / 1024, "peak_tree_rss_mb": max(tree_peak, usage.ru_maxrss / 1024)}


def run(rows: int = 1_000_000, model: Path | None = None) -> str:
    model = (model or next(m for m in MODELS if (m / "model_info.json").exists())).resolve()
    WORK.mkdir(parents=True, exist_ok=True)
    cores = os.cpu_count() or 1
    runs = {w: [measure(model, write_tweets(WORK / f"tweets-{n}.csv", n), w) for n in (SMALL, rows)]
            for w in sorted({1, cores})}
    (RESULTS / "predict.json").write_text(json.dumps({"model": str(model.relative_to(ROOT)), "runs": runs}, indent=1))
    one_small, one_large = runs[1]
    ratio = one_large["rows_per_s"] / one_small["rows_per_s"]
    best_w, (_, best) = max(((w, r) for w, r in runs.items()), key=lambda wr: wr[1][1]["rows_per_s"])
    lines = "".join(f"| {m['rows']:,} | {w} | {m['seconds']:.0f} | {m['rows_per_s']:.0f} | {m['peak_rss_mb']:.0f} | "
                    f"{m['peak_tree_rss_mb']:.0f} |\n"
                    for w, ms in runs.items() for m in ms)
    return (header("predict at scale", f"python bench/bench_predict.py {rows}")
            + f"Model: `{model.relative_to(ROOT)}`; input and output streamed in chunks of 10,000 rows; "
              f"one process, then "
            + f"`--workers {cores}` (one per core of this machine, each with one thread). The tweets are distinct: "
            + "the real test set's, then the same with their words shuffled.\n\n"
            + "| input rows | workers | wall seconds (with start-up) | rows/s (reading, labelling, writing) | peak RSS "
              "MB, largest process | peak RSS MB, all processes |\n|---|---|---|---|---|---|\n"
            + lines
            + f"\nOne process: large-file rate {ratio:.2f}× the small file's; peak memory of the large run "
            + f"{one_large['peak_rss_mb']:.0f} MB (the small run's {one_small['peak_rss_mb']:.0f} MB).\n"
            + f"\nTargets: peak RSS < 1,500 MB on {rows:,} rows (one process): "
              f"**{'reached' if one_large['peak_rss_mb'] < 1500 else 'not reached'}**; "
            + f"throughput within 10% of the small file's (one process): "
              f"**{'reached' if ratio >= 0.9 else 'not reached'}** ({ratio:.2f}×); "
            + f"≥ 3,000 tweets/s end to end: **{'reached' if best['rows_per_s'] >= 3000 else 'not reached'}** "
            + f"({best['rows_per_s']:.0f} with {best_w} worker{'s' if best_w > 1 else ''}; one process "
              f"{one_large['rows_per_s']:.0f}).\n")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    section = run(rows, Path(sys.argv[2]) if len(sys.argv) > 2 else None)
    (RESULTS / "predict.md").write_text(section)
    print(section)
