"""Training under torchrun (two CPU processes, gloo) and two tuning workers sharing one study in PostgreSQL."""
import json
import os
import subprocess
import sys

import optuna
import pytest

from conftest import ROOT


def test_torchrun_two_cpu_processes(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_port=29533", "-m", "tweetsent",
           "train", "--params", "params/smoke.yaml", "--set", "trainer=hf", "--set", "epochs=1",
           "--set", f"out_dir={tmp_path}", "--set", "run_name=ddp", "--out", str(tmp_path / "model")]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    info = json.loads((tmp_path / "model" / "model_info.json").read_text())
    assert info["trainer"] == "hf" and info["history"]
    assert r.stdout.splitlines().count(str(tmp_path / "model")) == 1   # only rank 0 writes and reports the folder


def postgres_url() -> str:
    url = os.environ.get("TWEETSENT_TEST_PG_URL")
    if not url:
        pytest.skip("TWEETSENT_TEST_PG_URL not set (.ci/run starts PostgreSQL and sets it)")
    return url


def test_two_tuning_workers_share_one_study(tmp_path):
    url = postgres_url()
    run_name = f"pg-{os.getpid()}"
    args = [sys.executable, "-m", "tweetsent", "tune", "--params", "params/smoke.yaml", "--set", f"tune_storage={url}",
            "--set", f"run_name={run_name}", "--set", f"out_dir={tmp_path}", "--set", "tune_trials=6", "--set", "tune_max_rows=120"]
    workers = [subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for w in workers:
        out, err = w.communicate(timeout=600)
        assert w.returncode == 0, err[-3000:]
    study = optuna.load_study(study_name=f"{run_name}-tiny-random-manual", storage=url)
    trials = study.get_trials(deepcopy=False)
    numbers = sorted(t.number for t in trials)
    assert numbers == list(range(len(trials)))                 # none lost, none duplicated
    assert all(t.state.is_finished() and t.state != optuna.trial.TrialState.FAIL for t in trials)
    assert 6 <= len(trials) <= 7                                # MaxTrialsCallback: at most one extra per other worker
    optuna.delete_study(study_name=study.study_name, storage=url)
