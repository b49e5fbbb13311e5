"""Compressed variants of the default hybrid model on the real split: accuracy, macro-F1, size on disk, CPU throughput
at batch 64 and latency at batch 1, all measured in this one run; ONNX agreement with PyTorch; a Pareto plot."""
from __future__ import annotations

import pandas as pd

from bench_model import SPLIT
from run import RESULTS, ROOT, header

METHODS = ["int8", "onnx-int8", "prune", "prune-structured", "distill"]


def run() -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tweetsent.compress import compress
    from tweetsent.datasets import load_dataset
    from tweetsent.evaluate import evaluate_model
    from tweetsent.layout import run_dir
    from tweetsent.params import load_params
    from tweetsent.train import train_and_save
    from tweetsent.variants import load_model
    p = load_params(ROOT / "params/minilm-manual.yaml", {**SPLIT, "run_name": "bench-compression"})
    data = load_dataset(p)
    teacher_dir = train_and_save(p)
    rows, preds = {}, {}
    for name in ["fp32"] + METHODS:
        folder = teacher_dir if name == "fp32" else compress(teacher_dir, name, p, run_dir(p) / "compressed" / name)
        clf = load_model(folder)
        m, proba = evaluate_model(clf, data.test, folder, batch_size=64)
        rows[name], preds[name] = m, proba.argmax(1)
    t = pd.DataFrame(rows).T
    fp32 = t.loc["fp32"]
    agree = float((preds["onnx-int8"] == preds["fp32"]).mean())
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in t.iterrows():
        ax.scatter(r.tweets_per_s, r.accuracy)
        ax.annotate(f"{name} ({r.size_bytes / 1e6:.0f} MB)", (r.tweets_per_s, r.accuracy), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("tweets/s (CPU, batch 64)"); ax.set_ylabel("accuracy"); ax.set_title("Compression trade-off")
    fig.tight_layout(); fig.savefig(RESULTS / "compression.png", dpi=100)
    lines = [f"| {n} | {r.accuracy:.4f} | {100 * (r.accuracy - fp32.accuracy):+.1f} | {r.macro_f1:.4f} | "
             f"{r.size_bytes / 1e6:.1f} | "
             f"{r.tweets_per_s:.0f} | {r.tweets_per_s / fp32.tweets_per_s:.1f}× | {r.latency_ms_batch1:.1f} |"
             for n, r in t.iterrows()]
    return (header("Compression trade-offs on the real split", "python bench/run.py compression")
            + f"Teacher: the default hybrid MiniLM model trained on the real split's {len(data.train)} "
              f"training tweets; every "
            + f"variant scored on the {len(data.test)} held-out tweets. Size: bytes of the model folder on "
              f"disk (weights, "
            + "tokenizer, fitted features). Throughput: tweets/s at batch 64 including featurisation, "
              "CPU, 2 threads.\n\n"
            + "| variant | accuracy | Δ points | macro-F1 | size MB | tweets/s | speed-up | latency ms (batch 1) |\n"
            + "|---|---|---|---|---|---|---|---|\n" + "\n".join(lines)
            + f"\n\nONNX int8 predictions agree with PyTorch fp32 on {agree:.2%} of the held-out tweets.\n\n"
            + "![accuracy against throughput](bench/results/compression.png)\n")
