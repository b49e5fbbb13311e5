"""pretrain: a killed run resumes from its last checkpoint and ends where an uninterrupted run ends."""
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
from safetensors.numpy import load_file

from conftest import ROOT, run_cli


def write_data(d):
    words = ["good", "bad", "happy", "sad", "love", "hate", "great", "awful", "fine", "meh", "sunny", "rainy"]
    texts = [f"{words[i % 12]} day number {i} with {words[(i * 7) % 12]} vibes #tag{i % 5}" for i in range(120)]
    pd.DataFrame({"text": texts[:100]}).to_csv(d / "unlabelled.csv", index=False)
    labelled = pd.DataFrame({"text": texts[100:] + ["an extra training tweet"], "label": (["a", "b"] * 11)[:21]})
    labelled.to_csv(d / "train.csv", index=False)
    labelled.iloc[:4].to_csv(d / "val.csv", index=False)
    labelled.iloc[4:8].to_csv(d / "test.csv", index=False)


def args(d, out, *extra):
    sets = {"unlabelled_path": d / "unlabelled.csv", "train_path": d / "train.csv", "val_path": d / "val.csv",
            "test_path": d / "test.csv",
            "text_col": "text", "label_col": "label", "labels": "[a, b]", "backbone": "tiny-random", "max_length": 16,
            "pretrain_passes": 2, "pretrain_batch_size": 8, "pretrain_save_steps": 3, "pretrain_snapshot_every": 1,
            "out_dir": d / "outputs"}
    return ["pretrain", "--params", ROOT / "params" / "smoke.yaml", "--out", out,
            *[x for k, v in sets.items() for x in ("--set", f"{k}={v}")], *extra]


def weights(folder):
    return load_file(str(folder / "model.safetensors"))


def test_killed_pretrain_resumes_and_ends_as_an_uninterrupted_run(tmp_path):
    write_data(tmp_path)
    whole = run_cli(*args(tmp_path, tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr[-2000:]
    assert "pre-training tweets; left out:" in whole.stdout and "tweets/s" in whole.stdout and "left" in whole.stdout
    # the same run, killed (SIGKILL) once its second checkpoint is on disk, then started again with the same command
    work = tmp_path / ".resumed.pretrain"
    env = {**os.environ, "TWEETSENT_OUT_DIR": str(tmp_path / "outputs")}
    proc = subprocess.Popen([sys.executable, "-m", "tweetsent", *map(str, args(tmp_path, tmp_path / "resumed"))],
                            cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    checkpoint = work / "checkpoint-6" / "trainer_state.json"
    while not checkpoint.exists() and proc.poll() is None and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL); proc.wait()
    if not (tmp_path / "resumed").exists():   # killed before the end (the usual case): it resumes
        again = run_cli(*args(tmp_path, tmp_path / "resumed"))
        assert again.returncode == 0, again.stderr[-2000:]
        assert (json.loads((tmp_path / "resumed" / "pretrain.json").read_text())["steps"]
                == json.loads((tmp_path / "whole" / "pretrain.json").read_text())["steps"])
    a, b = weights(tmp_path / "whole"), weights(tmp_path / "resumed")
    assert a.keys() == b.keys()
    for k in a: assert (a[k] == b[k]).all(), k
    assert not work.exists() and (tmp_path / "resumed.pass-1").is_dir()
