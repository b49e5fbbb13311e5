"""GPU check (run on a lent GPU machine, see BENCHMARKS.md): both trainers on CUDA with bf16 autocast, device
auto-selection, prediction on GPU (tiny local backbone)."""
import json
import time

import torch

from tweetsent.datasets import load_dataset
from tweetsent.evaluate import classification_metrics
from tweetsent.models import pick_device
from tweetsent.params import load_params
from tweetsent.trainer import train_model

print("device:", pick_device(), torch.cuda.get_device_name(0), "bf16:", torch.cuda.is_bf16_supported())
out = {}
for trainer in ("manual", "hf"):
    p = load_params("params/smoke.yaml", {"trainer": trainer, "demo_rows": 3000, "epochs": 3, "batch_size": 64,
                                          "run_name": f"gpu-{trainer}", "out_dir": "outputs"})
    d = load_dataset(p)
    s = time.perf_counter(); clf = train_model(p, d.train); t = time.perf_counter() - s
    dev = next(clf.model.parameters()).device.type
    s = time.perf_counter(); proba = clf.predict_proba(d.test["text"], batch_size=256); tp = time.perf_counter() - s
    m = classification_metrics(d.test["label"].to_numpy(), proba, p.labels)
    out[trainer] = {"model_device": dev, "train_s": round(t, 1), "train_tweets_per_s": clf.info.train_tweets_per_s,
                    "predict_tweets_per_s": round(len(d.test) / tp), "accuracy": round(m["accuracy"], 4),
                    "macro_f1": round(m["macro_f1"], 4), "history": clf.info.history}
    assert dev == "cuda", dev
print(json.dumps(out, indent=1, default=float))
