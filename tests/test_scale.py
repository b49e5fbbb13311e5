"""Training under torchrun (two CPU processes, gloo) and two tuning workers sharing one study in PostgreSQL."""
import json
import os
import subprocess
import sys

import optuna
import pytest

from conftest import ROOT


def test_torchrun_two_cpu_processes(tmp_path):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
           "--master_port=29533", "-m", "tweetsent",
           "train", "--params", "params/smoke.yaml", "--set", "trainer=hf", "--set", "epochs=1",
           "--set", f"out_dir={tmp_path}", "--set", "run_name=ddp", "--out", str(tmp_path / "model")]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert r.returncode == 0, r.stderr[-3000:]
    info = json.loads((tmp_path / "model" / "model_info.json").read_text())
    assert info["trainer"] == "hf" and info["history"]
    assert r.stdout.splitlines().count(str(tmp_path / "model")) == 1   # only rank 0 writes and reports the folder


def postgres_url() -> str:
    url = os.environ.get("TWEETSENT_TEST_PG_URL")
    if not url:
        pytest.fail("TWEETSENT_TEST_PG_URL is not set: run make test (make services starts PostgreSQL and sets it), "
                    "or set it to a PostgreSQL server's URL")
    return url


def test_two_tuning_workers_share_one_study(tmp_path):
    url = postgres_url()
    run_name = f"pg-{os.getpid()}"
    args = [sys.executable, "-m", "tweetsent", "tune", "--params", "params/smoke.yaml", "--set", f"tune_storage={url}",
            "--set", f"run_name={run_name}", "--set", f"out_dir={tmp_path}", "--set", "tune_trials=6",
            "--set", "tune_max_rows=120"]
    workers = [subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
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


def tweets_csv(n: int) -> str:
    "A CSV of `n` rows with an id, a tweet (some empty, some over two lines) and a column predict must pass through."
    texts = ["Thank you nurses", "", '"Empty shelves\nagain"', "Stay safe 😀", '"Prices up, not good"']
    return "OriginalTweet,id,note\n" + "".join(f"{texts[i % 5]},{i},n{i}\n" for i in range(n))


@pytest.fixture(scope="module")
def predict_model(smoke_model):
    "The session's smoke model (conftest), trained once for every module that reads one."
    return smoke_model


def test_predict_streams_in_chunks_and_workers_change_nothing(predict_model, tmp_path):
    import pandas as pd
    (tmp_path / "in.csv").write_text(tweets_csv(103))
    base = ["predict", "--model", predict_model, "--input", tmp_path / "in.csv", "--output"]
    from conftest import run_cli
    whole = run_cli(*base, tmp_path / "whole.csv")
    chunked = run_cli(*base, tmp_path / "chunked.csv", "--chunk-rows", "10")
    workers = run_cli(*base, tmp_path / "workers.csv", "--chunk-rows", "10", "--workers", "2")
    assert whole.returncode == chunked.returncode == workers.returncode == 0, workers.stderr[-2000:]
    out = pd.read_csv(tmp_path / "whole.csv", keep_default_na=False)
    # every row, in order
    assert out["id"].tolist() == list(range(103)) and out["note"].tolist() == [f"n{i}" for i in range(103)]
    assert (out["predicted"] == "").sum() == 21 and "21 rows have no text" in whole.stderr
    assert ((tmp_path / "chunked.csv").read_bytes() == (tmp_path / "workers.csv").read_bytes()
            == (tmp_path / "whole.csv").read_bytes())
    assert "predicted 103 rows in" in workers.stderr and "103 rows read (utf-8), 103 kept" in workers.stderr


def test_a_bad_row_late_in_the_file_leaves_the_old_output(predict_model, tmp_path):
    from conftest import run_cli
    (tmp_path / "in.csv").write_text(tweets_csv(50) + "one,too,many,fields\n")
    (tmp_path / "out.csv").write_text("previous output\n")
    r = run_cli("predict", "--model", predict_model, "--input", tmp_path / "in.csv", "--output",
                tmp_path / "out.csv", "--chunk-rows", "7")
    assert r.returncode == 2 and "row 51 (line 62) has 4 fields but the header has 3" in r.stderr, r.stderr
    assert (tmp_path / "out.csv").read_text() == "previous output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_predict_reads_stdin_in_chunks(predict_model):
    from conftest import run_cli
    r = run_cli("predict", "--model", predict_model, "--input", "-", "--chunk-rows", "4", input=tweets_csv(9))
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    assert lines[0].startswith("OriginalTweet,id,note,predicted,p_") and r.stdout.count("\nThank you nurses,") == 2
