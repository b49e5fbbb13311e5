"""`predict --engine dask`: partitions labelled on a Dask cluster (a LocalCluster on loopback, always closed) give what
one process gives, every row exactly once even when a worker is killed, and a bad partition is named."""
import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from conftest import run_cli

TEXTS = ["Thank you, wonderful nurses!", "Awful shelves", "Stay home", "Prices are up again", "Lovely day", None,
         "I hate queues", "Good news at last"]


@pytest.fixture(scope="module")
def model(smoke_model):
    return smoke_model


def write_partitions(folder, n, rows=8):
    "n partitions in three formats; the same rows as one CSV beside them."
    folder.mkdir()
    frames = []
    for k in range(n):
        df = pd.DataFrame({"id": range(100 * k, 100 * k + rows),
                           "OriginalTweet": [TEXTS[(k + i) % len(TEXTS)] for i in range(rows)]})
        frames.append(df)
        name = folder / f"{k:03d}"
        if k % 3 == 0: df.to_parquet(f"{name}.parquet")
        elif k % 3 == 1: df.to_csv(f"{name}.csv", index=False)
        else: df.to_json(f"{name}.jsonl", orient="records", lines=True)
    whole = folder.parent / "whole.csv"
    pd.concat(frames).to_csv(whole, index=False)
    return whole


def read_parts(folder):
    return pd.concat(pd.read_parquet(p) for p in sorted(folder.glob("part-*.parquet"))).reset_index(drop=True)


def test_the_cluster_labels_as_one_process_does(model, tmp_path):
    whole = write_partitions(tmp_path / "in", 4)
    r = run_cli("predict", "--model", model, "--input", tmp_path / "in", "--output", tmp_path / "out",
                "--engine", "dask", "--local-workers", "2")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "dask: http://127.0.0.1:" in r.stderr or "no dashboard" in r.stderr
    one = run_cli("predict", "--model", model, "--input", whole, "--output", tmp_path / "one.csv")
    assert one.returncode == 0, one.stderr
    got, expected = read_parts(tmp_path / "out"), pd.read_csv(tmp_path / "one.csv")
    assert got["id"].astype(int).tolist() == expected["id"].tolist()   # every row, in order (CSV gives text)
    assert got["predicted"].fillna("").tolist() == expected["predicted"].fillna("").tolist()
    p = [c for c in expected.columns if c.startswith("p_")]
    assert ((got[p].astype(float) - expected[p]).abs().fillna(0) < 1e-6).all().all()
    assert sorted(x.name for x in (tmp_path / "out").iterdir()) == [f"part-{k:05d}.parquet" for k in range(4)] + \
        ["predict.json"]
    assert not list(tmp_path.glob(".out.tmp-*"))                             # no temporary folder left beside it


@pytest.fixture(scope="module")
def scheduler():
    "The address of a one-worker LocalCluster that this module's commands share (`--scheduler`), closed after them."
    from distributed import LocalCluster
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      env={"OMP_NUM_THREADS": "1"}) as cluster:
        yield cluster.scheduler_address


def test_a_bad_partition_is_named_and_the_old_output_stays(model, scheduler, tmp_path):
    write_partitions(tmp_path / "in", 2)
    assert run_cli("predict", "--model", model, "--input", tmp_path / "in", "--output", tmp_path / "out",
                   "--engine", "dask", "--scheduler", scheduler).returncode == 0
    before = read_parts(tmp_path / "out")
    (tmp_path / "in" / "009.jsonl").write_text('{"OriginalTweet": "fine"}\n{"OriginalTweet": \n')
    r = run_cli("predict", "--model", model, "--input", tmp_path / "in", "--output", tmp_path / "out",
                "--engine", "dask", "--scheduler", scheduler)
    assert r.returncode != 0 and "009.jsonl" in r.stderr and "line 2 is not valid JSON" in r.stderr, r.stderr[-2000:]
    assert read_parts(tmp_path / "out").equals(before)                        # the previous output as it was
    (tmp_path / "mine").mkdir()
    r = run_cli("predict", "--model", model, "--input", tmp_path / "in", "--output", tmp_path / "mine",
                "--engine", "dask", "--scheduler", scheduler)
    assert r.returncode != 0 and "not a folder this tool wrote" in r.stderr   # never replaces the user's folder
    r = run_cli("predict", "--model", model, "--input", tmp_path / "in", "--output", tmp_path / "in",
                "--engine", "dask", "--scheduler", scheduler)
    assert r.returncode == 2 and "which this command reads" in r.stderr      # nor the folder it reads


def test_a_killed_worker_loses_and_repeats_no_row(model, tmp_path):
    from distributed import Client, LocalCluster

    from tweetsent.scale import dask_predict
    write_partitions(tmp_path / "in", 24, rows=40)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
                      env={"OMP_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
        pids = list(client.run(os.getpid).values())
        killed = []

        def kill_one_when_work_started():
            deadline = time.time() + 120
            while time.time() < deadline and not killed:
                if any(tmp_path.glob(".out*/part-*")):                        # partitions are being written
                    os.kill(pids[0], signal.SIGKILL); killed.append(pids[0])
                time.sleep(0.01)

        thread = threading.Thread(target=kill_one_when_work_started)
        thread.start()
        summary = dask_predict(str(tmp_path / "in"), str(model), tmp_path / "out", scheduler=cluster.scheduler_address,
                               progress=False)
        thread.join()
    assert killed, "no worker was killed: the run ended before any partition was written"
    got = read_parts(tmp_path / "out")
    expected = [i for k in range(24) for i in range(100 * k, 100 * k + 40)]
    assert got["id"].astype(int).tolist() == expected and summary["rows"] == len(expected)   # every row once, in order


def test_tuning_trials_run_as_dask_tasks_sharing_one_study(tmp_path):
    "`tune --engine dask`: one tuning worker per Dask worker, one study, the trial count across them, no trial twice."
    import optuna
    import yaml

    from tweetsent.params import load_params
    from tweetsent.tune import open_study
    r = run_cli("tune", "--params", "params/smoke.yaml", "--set", f"out_dir={tmp_path}", "--set", "tune_trials=3",
                "--set", "tune_max_rows=64", "--set", "run_name=dask-tune", "--engine", "dask", "--local-workers", "2")
    assert r.returncode == 0, r.stderr[-2000:]
    study = open_study(load_params("params/smoke.yaml", {"out_dir": str(tmp_path), "run_name": "dask-tune"}))
    done = [t for t in study.trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    # MaxTrialsCallback stops each worker once the study holds 3; a worker's running trial may finish as a 4th
    assert 3 <= len(done) <= 4 and len(study.trials) == len(done)
    drawn = [tuple(sorted(t.params.items())) for t in done]
    assert len(set(drawn)) == len(drawn), "two workers drew the same trial"
    tuned = yaml.safe_load(Path(r.stdout.strip().splitlines()[-1]).read_text())
    assert tuned["lr"] == study.best_params["lr"]


def test_tuning_on_a_remote_cluster_refuses_a_sqlite_study(tmp_path):
    r = run_cli("tune", "--params", "params/smoke.yaml", "--set", f"out_dir={tmp_path}", "--engine", "dask",
                "--scheduler", "tcp://127.0.0.1:9")
    assert r.returncode == 2 and r.stderr.startswith("error: Tuning on a remote cluster needs a study database")
