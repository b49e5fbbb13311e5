"""Human judgement II on tiny data: an ensemble of model folders plus n-gram and lexicon models, one folder like any
other; a student distilled from it on the training and the unlabelled tweets; the commands a user types."""
import json

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, run_cli
from tweetsent.layout import INFO_FILE
from tweetsent.models import Ensemble, ModelError
from tweetsent.variants import load_model

LABELS = ["negative", "neutral", "positive"]
WORDS = {"negative": "awful bad sad hate terrible", "neutral": "bus station meeting noon report",
         "positive": "great love happy wonderful thanks"}


def tweets(n, seed):
    rng = np.random.default_rng(seed)
    labels = rng.choice(LABELS, n)
    texts = [" ".join(rng.choice(WORDS[y].split(), 3)) + f" #{i} day {rng.integers(100)}" for i, y in enumerate(labels)]
    return pd.DataFrame({"text": texts, "label": labels})


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("he")
    tweets(160, 1).to_csv(d / "train.csv", index=False); tweets(60, 2).to_csv(d / "val.csv", index=False)
    tweets(60, 3).to_csv(d / "test.csv", index=False)
    tweets(90, 4)[["text"]].to_csv(d / "unlabelled.csv", index=False)
    sets = {"train_path": d / "train.csv", "val_path": d / "val.csv", "test_path": d / "test.csv",
            "unlabelled_path": d / "unlabelled.csv",
            "text_col": "text", "label_col": "label", "labels": "[negative, neutral, positive]",
            "select_metric": "macro_recall",
            "epochs": 1, "out_dir": d / "outputs", "ngram_features": 1024, "distill_epochs": 1}
    return d, [x for k, v in sets.items() for x in ("--set", f"{k}={v}")]


@pytest.fixture(scope="module")
def members(data):
    d, sets = data
    out = []
    for seed in (1, 2):
        r = run_cli("train", "--params", "params/smoke.yaml", *sets, "--set", f"seed={seed}", "--out", d / f"m{seed}")
        assert r.returncode == 0, r.stderr[-2000:]
        out.append(d / f"m{seed}")
    return out


@pytest.fixture(scope="module")
def ensemble(data, members):
    d, sets = data
    r = run_cli("ensemble", "--params", "params/smoke.yaml", *sets, "--models", *members, "--out", d / "ens")
    assert r.returncode == 0, r.stderr[-2000:]
    return d / "ens"


def test_the_ensemble_is_a_model_folder_like_any_other(data, ensemble):
    d, _ = data
    info = json.loads((ensemble / INFO_FILE).read_text())
    assert info["variant"] == "ensemble" and [m["name"] for m in info["members"]] == ["m1", "m2", "ngram", "lexicon"]
    assert set(info["metrics"]) >= {"val", "test", "members"} and info["metrics"]["val"]["folds"] == 5
    assert isinstance(load_model(ensemble), Ensemble)
    r = run_cli("predict", "--model", ensemble, "--input", d / "test.csv", "--output",
                d / "pred.csv", "--text-col", "text")
    assert r.returncode == 0, r.stderr[-1000:]
    assert pd.read_csv(d / "pred.csv")["predicted"].isin(LABELS).all()
    r = run_cli("evaluate", "--model", ensemble, "--input", d / "test.csv", "--text-col",
                "text", "--label-col", "label")
    assert r.returncode == 0 and 0 <= json.loads(r.stdout)["macro_recall"] <= 1, r.stderr[-1000:]
    r = run_cli("compress", "--model", ensemble, "--method", "int8", "--out", d / "nope")
    assert r.returncode == 2 and "distilling it into one network" in r.stderr


def test_the_ensemble_is_fitted_on_validation_only(data, members):
    d, sets = data
    r = run_cli("ensemble", "--params", "params/smoke.yaml", *sets, "--set", "val_path=", "--models",
                *members, "--out", d / "e2")
    assert r.returncode == 2 and "set val_path" in r.stderr


def test_an_edited_member_is_caught(data, ensemble, tmp_path):
    import shutil
    copy = shutil.copytree(ensemble, tmp_path / "e")
    (copy / "members" / "m1" / "tokenizer_config.json").write_text("{}")
    with pytest.raises(ModelError, match="members/m1/tokenizer_config.json changed"): load_model(copy)


def test_a_student_learns_from_the_ensemble_and_the_unlabelled_tweets(data, ensemble):
    d, sets = data
    r = run_cli("compress", "--model", ensemble, "--method", "distill", "--params", "params/smoke.yaml",
                *sets, "--out", d / "student")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "teacher: " in r.stdout and "tweets labelled" in r.stdout
    student = load_model(d / "student")
    assert student.info.distilled_from == "ensemble of 4" and student.info.distill["unlabelled"] == 90
    assert student.info.rows["train"] == 160 and student.predict(["great love"])[0] in LABELS
    # the checkpoints go once the student is saved
    assert not list((d / "outputs" / "cache" / "checkpoints").glob("*"))


def test_make_semeval_model_builds_the_served_model_step_by_step(data, tmp_path):
    import subprocess
    d, _ = data
    args = ["make", "--no-print-directory", "semeval-model", f"DATA={d}", f"UNLABELLED={d / 'unlabelled.csv'}",
            f"OUT={tmp_path / 'served'}",
            "MEMBERS=tweets-hybrid-1",
            "SET=backbone=tiny-random max_length=32 pretrain_passes=1 pretrain_batch_size=32 "
            "epochs=1 distill_epochs=1 max_rows=null ngram_features=1024 pretrain_snapshot_every=0"]
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
    last = r.stdout.strip().splitlines()[-1]
    assert last.startswith("SemEval-2017 test (60 tweets), the served student: macro-recall "), last
    served = tmp_path / "served"
    assert {p.name for p in served.iterdir()} >= {"backbone", "members", "ensemble", "student"}
    assert json.loads((served / "student" / INFO_FILE).read_text())["distilled_from"] == "ensemble of 3"
    # every step done: asked again, make would only print the score
    again = subprocess.run(args[:1] + ["-n"] + args[1:], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert not {"pretrain", "train", "ensemble", "compress"} & set(again.stdout.split()), again.stdout


def test_a_members_first_word_names_its_backbone_and_its_own_settings(tmp_path):
    "MEMBERS words: tweets (BACKBONE), minilm, or WORD with BACKBONE_WORD and SET_WORD for those members alone."
    import subprocess
    large = tmp_path / "all-mpnet-base-v2"
    large.mkdir()
    def dry(member: str) -> str:
        r = subprocess.run(["make", "-n", "--no-print-directory", f"{tmp_path}/served/members/{member}/model_info.json",
                            f"OUT={tmp_path}/served", "PRETRAIN=no", f"BACKBONE_mpnet={large}", "SET_mpnet=epochs=1"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return " ".join(r.stdout.replace("\\\n", " ").split())
    mpnet, minilm, tweets = dry("mpnet-hybrid-1"), dry("minilm-text-3"), dry("tweets-hybrid-2")
    assert f"--set backbone={large} " in mpnet and "--set epochs=1 " in mpnet and "--set arch=hybrid " in mpnet
    assert "--set backbone=minilm " in minilm and "--set epochs=1" not in minilm and "--set seed=3 " in minilm
    assert "--set backbone=minilm " in tweets and "--set epochs=1" not in tweets   # PRETRAIN=no: the plain BACKBONE


def test_teacher_distils_another_builds_ensemble_without_building_members(tmp_path):
    import subprocess
    teacher = tmp_path / "first" / "ensemble"
    teacher.mkdir(parents=True)
    (teacher / INFO_FILE).write_text("{}")
    r = subprocess.run(["make", "-n", "--no-print-directory", f"{tmp_path}/second/student/model_info.json",
                        f"OUT={tmp_path}/second", "PRETRAIN=no", f"TEACHER={teacher}"],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert f"--model {teacher} --method distill" in r.stdout and "tweetsent train" not in r.stdout
    assert "tweetsent ensemble" not in r.stdout and f"--out {tmp_path}/second/student" in r.stdout
    missing = subprocess.run(["make", "-n", "--no-print-directory", f"{tmp_path}/third/student/model_info.json",
                              f"OUT={tmp_path}/third", "PRETRAIN=no", f"TEACHER={tmp_path}/none"],
                             cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and f"{tmp_path}/none/model_info.json" in missing.stderr
