"""Any labelled tweet data as a first-class use: an explicit validation file, a selection metric, class offsets that
a model folder keeps, class weights, and the TweetEval converter. Small files written here; never the real tweets."""
import json

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import run_cli
from tweetsent.datasets import load_dataset
from tweetsent.demo import make_demo_tweets
from tweetsent.inputs import DataError
from tweetsent.train import train_and_save
from tweetsent.trainer import balanced_class_weight
from tweetsent.tweeteval import tweeteval_to_csv
from tweetsent.variants import load_model

LABELS = ["negative", "neutral", "positive"]


@pytest.fixture
def three_class_files(tmp_path):
    "train/val/test CSVs in the SemEval layout (text,label), three classes, negatives rare in training."
    demo = make_demo_tweets(700, seed=5, labels=LABELS).rename(columns={"OriginalTweet": "text", "Sentiment": "label"})
    demo = demo[["text", "label"]].drop_duplicates("text")
    rare = demo[demo.label != "negative"].index.union(demo[demo.label == "negative"].index[:40])
    train, rest = demo.loc[rare].iloc[:400], demo.drop(rare[:400])
    paths = {}
    for name, frame in (("train", train), ("val", rest.iloc[:100]), ("test", rest.iloc[100:260])):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    return paths


def semeval_like(smoke_params, files, **extra):
    for key, value in {"train_path": str(files["train"]), "val_path": str(files["val"]),
                       "test_path": str(files["test"]),
                       "text_col": "text", "label_col": "label", "labels": LABELS, **extra}.items():
        setattr(smoke_params, key, value)
    return smoke_params


def test_validation_file_is_loaded_and_counted(smoke_params, three_class_files):
    p = semeval_like(smoke_params, three_class_files)
    data = load_dataset(p)
    assert len(data.val) == 100 and len(data.train) == 400 and "validation val.csv" in data.source
    assert data.summary()["val_rows"] == 100 and [r.path for r in data.reports][-1].endswith("val.csv")
    p.val_path = str(three_class_files["train"].with_name("nope.csv"))
    with pytest.raises(DataError, match="Data file not found: .*nope.csv"):
        load_dataset(p)


def test_model_keeps_tuned_class_offsets_and_decides_with_them(smoke_params, three_class_files):
    p = semeval_like(smoke_params, three_class_files, select_metric="macro_recall", class_bias="tuned", epochs=1)
    folder = train_and_save(p)
    info = json.loads((folder / "model_info.json").read_text())
    assert info["rows"]["val"] == 100 and info["select_metric"] == "macro_recall"
    assert {"macro_recall", "macro_f1", "accuracy"} <= set(info["metrics"]["val"])
    assert "macro_recall" in info["metrics"]["test"]
    assert "val_macro_recall" in info["history"][0]
    bias = np.array(info["class_bias"])
    assert bias.shape == (3,) and abs(bias.sum()) < 1e-3
    clf = load_model(folder)
    texts = pd.read_csv(three_class_files["test"])["text"].tolist()[:20]
    from tweetsent.models import encode
    items = encode(clf.tokenizer, clf.extractor, texts, clf.info.max_length)
    expected = torch.softmax(torch.from_numpy(clf.logits_from_items(items) + bias.astype(np.float32)), -1).numpy()
    assert np.allclose(clf.predict_proba(texts), expected, atol=1e-5)


def test_no_offsets_unless_asked(smoke_params, three_class_files):
    p = semeval_like(smoke_params, three_class_files, epochs=1)
    info = json.loads((train_and_save(p) / "model_info.json").read_text())
    assert info["class_bias"] == [0.0, 0.0, 0.0] and info["select_metric"] == "macro_f1"


def test_balanced_class_weight_matches_scikit_learn():
    from sklearn.utils.class_weight import compute_class_weight
    y = np.array([0, 1, 1, 1, 2, 2])
    assert np.allclose(balanced_class_weight(y, 3).numpy(), compute_class_weight("balanced", classes=np.arange(3), y=y))
    assert balanced_class_weight(np.array([0, 0, 2]), 3)[1] == 0   # a class absent from training weighs nothing


def write_tweeteval(folder, splits):
    folder.mkdir()
    (folder / "mapping.txt").write_text("0\tnegative\n1\tneutral\n2\tpositive\n")
    for split, (texts, labels) in splits.items():
        (folder / f"{split}_text.txt").write_text("".join(t + "\n" for t in texts))
        (folder / f"{split}_labels.txt").write_text("".join(f"{y}\n" for y in labels))


def test_tweeteval_command_converts_a_local_copy(tmp_path):
    src = tmp_path / "sentiment"
    write_tweeteval(src, {"train": (["so happy", "it rained", 'he said "no", twice'], [2, 1, 0]), "val": (["ok"], [1]),
                          "test": (["@user love it!", "meh"], [2, 1])})
    r = run_cli("tweeteval", "--source", src, "--out", tmp_path / "semeval")
    assert r.returncode == 0, r.stderr
    assert "train.csv: 3 rows" in r.stdout and "test.csv: 2 rows" in r.stdout
    train = pd.read_csv(tmp_path / "semeval" / "train.csv")
    assert train.values.tolist() == [["so happy", "positive"], ["it rained", "neutral"],
                                     ['he said "no", twice', "negative"]]


def test_tweeteval_mismatched_files_are_refused(tmp_path):
    src = tmp_path / "sentiment"
    write_tweeteval(src, {"train": (["a", "b"], [1]), "val": (["c"], [1]), "test": (["d"], [1])})
    with pytest.raises(DataError, match="TweetEval train: 2 tweets but 1 labels"):
        tweeteval_to_csv(tmp_path / "out", str(src))
    r = run_cli("tweeteval", "--source", tmp_path / "nowhere", "--out", tmp_path / "out")
    assert r.returncode == 2 and "mapping.txt not found" in r.stderr


def test_a_saved_ngram_model_predicts_as_it_did_in_memory(smoke_params, three_class_files, tmp_path):
    "The n-gram part survives its model folder (its logistic regression's weights are Fortran-ordered in memory)."
    from tweetsent.trainer import train_model
    from tweetsent.variants import save_model
    p = semeval_like(smoke_params, three_class_files, ngram_weight=0.5, ngram_features=2**12,
                     epochs=1, class_bias="tuned")
    data = load_dataset(p)
    clf = train_model(p, data.train, data.val)
    clf.ngram.model_.coef_ = np.asfortranarray(clf.ngram.model_.coef_)   # as lbfgs may leave it: the writer must cope
    folder = save_model(clf, tmp_path / "model")
    texts = data.test["text"].tolist()
    loaded = load_model(folder)
    assert np.allclose(loaded.ngram.predict_log_proba(texts), clf.ngram.predict_log_proba(texts), atol=1e-4)
    assert np.allclose(loaded.predict_proba(texts), clf.predict_proba(texts), atol=1e-4)
