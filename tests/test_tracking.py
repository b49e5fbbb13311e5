"""Experiment tracking: a training run and a tuning study leave their params and per-epoch metrics in each tracker's own
store, read back through that tracker's own reader; with `tracker: none` nothing is written or imported."""
import json
import struct
import subprocess
import sys

import pytest

from conftest import ROOT


def smoke(tmp_path, **extra):
    from tweetsent.params import load_params
    return load_params(ROOT / "params" / "smoke.yaml",
                       {"out_dir": str(tmp_path), "run_name": "t", "epochs": 2, "patience": 5, "demo_rows": 200,
                                                         "tune_max_rows": 120, "tune_epochs": 2, **extra})


def read_mlflow(tmp_path) -> list[dict]:
    from mlflow.tracking import MlflowClient
    client = MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}")
    out = []
    for exp in client.search_experiments():
        for run in client.search_runs([exp.experiment_id]):
            out.append({"name": run.info.run_name, "group": exp.name, "params": run.data.params,
                        "state": run.info.status,
                        "history": {k: [m.value for m in client.get_metric_history(run.info.run_id, k)]
                                    for k in run.data.metrics}})
    return out


def read_tensorboard(tmp_path) -> list[dict]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    out = []
    for logdir in sorted((tmp_path / "tensorboard").glob("*/*")):
        ea = EventAccumulator(str(logdir), size_guidance={"tensors": 0, "scalars": 0}); ea.Reload()
        text = lambda tag, ea=ea: (ea.Tensors(tag)[0].tensor_proto.string_val[0].decode()
                                   if tag in ea.Tags()["tensors"] else "")
        params = {k.strip(): v.strip() for k,
                  v in (line.split(": ", 1) for line in text("params/text_summary").splitlines() if ": " in line)}
        out.append({"name": logdir.name, "group": logdir.parent.name, "params": params,
                    "state": text("state/text_summary"),
                    "history": {t: [e.value for e in ea.Scalars(t)] for t in ea.Tags()["scalars"]}})
    return out


def wandb_records(path):
    """The protobuf records of an offline wandb run file: a ':W&B' header, then 32 KiB blocks of (crc, length, type)
    framed chunks."""
    from wandb.proto import wandb_internal_pb2 as pb
    data, pos, chunks = path.read_bytes(), 7, b""
    assert data[:4] == b":W&B"
    while pos + 7 <= len(data):
        if 32768 - pos % 32768 < 7: pos += 32768 - pos % 32768; continue       # block trailer too short for a header
        _, length, kind = struct.unpack("<IHB", data[pos:pos + 7])
        chunks += data[pos + 7:pos + 7 + length]; pos += 7 + length
        if kind in (1, 4):                                                     # a full record, or the last chunk of one
            rec = pb.Record(); rec.ParseFromString(chunks); chunks = b""; yield rec


def read_wandb(tmp_path) -> list[dict]:
    out = []
    for f in sorted((tmp_path / "wandb").glob("offline-run-*/run-*.wandb")):
        run = {"name": "", "group": "", "params": {}, "state": "", "history": {}}
        for rec in wandb_records(f):
            kind = rec.WhichOneof("record_type")
            if kind == "run":
                run.update(name=rec.run.display_name, group=rec.run.run_group)
                run["params"].update({i.key: json.loads(i.value_json) for i in rec.run.config.update
                                      if not i.key.startswith("_")})
            if kind == "config":
                run["params"].update({i.key: json.loads(i.value_json) for i in rec.config.update
                                      if not i.key.startswith("_")})
            if kind == "history":
                for i in rec.history.item:
                    key = i.key or "/".join(i.nested_key)
                    if not key.startswith("_"): run["history"].setdefault(key, []).append(json.loads(i.value_json))
            if kind == "summary":
                for i in rec.summary.update:
                    if (i.key or "/".join(i.nested_key)) == "state": run["state"] = json.loads(i.value_json)
        out.append(run)
    return out


READ = {"mlflow": read_mlflow, "tensorboard": read_tensorboard, "wandb": read_wandb}


@pytest.mark.parametrize("name,trainer",
                         [("mlflow", "manual"), ("tensorboard", "manual"), ("wandb", "manual"), ("mlflow", "hf")])
def test_training_and_tuning_leave_params_and_epochs_in_the_store(tmp_path, name, trainer):
    import optuna

    from tweetsent.datasets import load_dataset
    from tweetsent.train import train_and_save
    from tweetsent.tune import study_name, tune
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    p = smoke(tmp_path, tracker=name, trainer=trainer)
    train_and_save(p)
    tune(p, load_dataset(p).train, n_trials=2)
    runs = READ[name](tmp_path)
    train = [r for r in runs if r["name"].replace("_", " ") == "train t"]
    assert len(train) == 1 and str(train[0]["params"]["lr"]) == str(p.lr)
    assert str(train[0]["params"]["select_metric"]) == "macro_f1"
    assert len(train[0]["history"]["val/macro_f1"]) == 2 and "test/accuracy" in train[0]["history"]
    assert "epoch" not in train[0]["history"]
    trials = [r for r in runs if r["name"].replace("_", " ").startswith("trial ")]
    assert len(trials) == 2 and {r["group"] for r in trials} == {study_name(p)}
    assert all("lr" in r["params"] and r["history"].get("val/macro_f1") for r in trials)
    assert all(r["state"] in ("finished", "pruned", "FINISHED", "KILLED") for r in trials)
    assert not {"mlruns", "wandb"} & {p.name for p in ROOT.iterdir()}        # nothing in the working folder


def test_no_tracker_writes_and_imports_nothing(tmp_path):
    code = f"""
import sys
from tweetsent.params import load_params
from tweetsent.train import train_and_save
train_and_save(load_params("params/smoke.yaml", {{"out_dir": r"{tmp_path}", "epochs": 1}}))
print(sorted({{m.split('.')[0] for m in sys.modules}} & {{"mlflow", "wandb", "tensorboard", "tensorboardX"}}))
"""
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().splitlines()[-1] == "[]"
    assert not {"mlflow.db", "tensorboard", "wandb"} & {p.name for p in tmp_path.iterdir()}


def test_a_tracked_train_out_keeps_its_record_where_run_keeps_it(tmp_path):
    import os
    env = {**os.environ, "TWEETSENT_OUT_DIR": str(tmp_path / "outputs")}
    r = subprocess.run([sys.executable, "-m", "tweetsent", "train", "--params",
                        "params/smoke.yaml", "--set", "epochs=1",
                        "--set", "tracker=[mlflow,tensorboard]", "--out", str(tmp_path / "model")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert not list(tmp_path.glob(".model.work"))                            # the work folder went, the record did not
    from mlflow.tracking import MlflowClient
    client = MlflowClient(f"sqlite:///{tmp_path / 'outputs' / 'mlflow.db'}")
    run = next(x for e in client.search_experiments() for x in client.search_runs([e.experiment_id])
               if x.info.run_name == "train smoke")
    assert {"val/macro_f1", "train/loss", "test/accuracy"} <= set(run.data.metrics) and "epoch" not in run.data.metrics
    assert {a.path for a in client.list_artifacts(run.info.run_id)} >= {"model_info.json", "README.md"}
    assert {i.dataset.name for i in run.inputs.dataset_inputs} >= {"smoke-train", "smoke-test"}
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    logdir = next((tmp_path / "outputs" / "tensorboard").glob("*/*"))
    ea = EventAccumulator(str(logdir)); ea.Reload()
    # TensorBoard's HParams view has the run
    assert "hparams" in ea.PluginTagToContent("hparams") or ea.PluginTagToContent("hparams")
