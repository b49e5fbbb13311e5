import json

import pandas as pd
import pytest

from conftest import run_cli


def test_bad_params_key_is_one_line():
    r = run_cli("train", "--params", "params/smoke.yaml", "--set", "lerning_rate=1", "--out", "/tmp/x")
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "Unknown params key 'lerning_rate'" in r.stderr


def test_missing_data_file_is_one_line(tmp_path):
    r = run_cli("train", "--params", "params/smoke.yaml", "--set",
                f"test_path={tmp_path}/none.csv", "--out", tmp_path / "m")
    assert r.returncode == 2 and r.stderr.strip() == f"error: Data file not found: {tmp_path}/none.csv"


def test_missing_model_folder_is_one_line(tmp_path):
    r = run_cli("predict", "--model", tmp_path / "nope", "--input", "-", input="OriginalTweet\nhi\n")
    assert r.returncode == 2 and "Model folder not found" in r.stderr


@pytest.fixture(scope="module")
def model(smoke_model):
    "The session's smoke model (conftest), trained once for every module that reads one."
    return smoke_model


def test_evaluate_prints_metrics_json(model, tmp_path):
    from tweetsent.demo import make_demo_tweets
    make_demo_tweets(80, seed=9).to_csv(tmp_path / "t.csv", index=False)
    r = run_cli("evaluate", "--model", model, "--input", tmp_path / "t.csv")
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)
    assert 0 <= m["accuracy"] <= 1 and 0 <= m["macro_f1"] <= 1 and m["tweets_per_s"] > 0 and m["size_bytes"] > 0


def test_predict_keeps_rows_without_text(model):
    r = run_cli("predict", "--model", model, "--input", "-",
                input='id,OriginalTweet\n1,"Thank you, wonderful nurses!"\n2,\n3,Awful shelves\n')
    assert r.returncode == 0, r.stderr
    out = pd.read_csv(pd.io.common.StringIO(r.stdout))
    assert list(out["id"]) == [1, 2, 3] and out["predicted"].isna().tolist() == [False, True, False]
    assert "1 rows have no text" in r.stderr
    assert {f"p_{c}" for c in ["Negative", "Positive"]} <= set(out.columns)



def test_predict_and_evaluate_read_parquet_and_json_lines_alike(model, tmp_path, capsys):
    "The same rows as CSV, gzip CSV, Parquet and JSON-lines: the same labels and probabilities, the same rows scored."
    from tweetsent.cli import predict_csv
    from tweetsent.datasets import read_tweets
    rows = pd.DataFrame({"id": [1, 2, 3, 4], "OriginalTweet": ["Thank you, wonderful nurses!", None, "Awful shelves",
                                                               "Stay home"],
                         "Sentiment": ["Positive", "Negative", "Negative", "Neutral"]})
    rows.to_csv(tmp_path / "in.csv", index=False)
    rows.to_csv(tmp_path / "in.csv.gz", index=False, compression="gzip")
    rows.to_parquet(tmp_path / "in.parquet")
    rows.to_json(tmp_path / "in.jsonl", orient="records", lines=True)
    outs, scored = {}, {}
    for name in ("in.csv", "in.csv.gz", "in.parquet", "in.jsonl"):
        predict_csv(model, tmp_path / name, tmp_path / f"{name}.out.csv", None, 64, 10_000, 1)
        assert "1 rows have no text" in capsys.readouterr().err
        outs[name] = pd.read_csv(tmp_path / f"{name}.out.csv")
        df, _ = read_tweets(tmp_path / name, "OriginalTweet", "Sentiment", ["Negative", "Neutral", "Positive"])
        scored[name] = df[["text", "label"]].values.tolist()
    first = outs["in.csv"]
    assert first["id"].tolist() == [1, 2, 3, 4] and first["predicted"].isna().tolist() == [False, True, False, False]
    for name, out in outs.items():
        assert out["predicted"].fillna("").tolist() == first["predicted"].fillna("").tolist(), name
        diff = (out.filter(like="p_").astype(float) - first.filter(like="p_").astype(float)).abs().fillna(0)
        assert diff.to_numpy().max() < 1e-6, name
        assert scored[name] == scored["in.csv"], name
    r = run_cli("evaluate", "--model", model, "--input", tmp_path / "in.parquet")
    assert r.returncode == 0 and json.loads(r.stdout)["n"] == 3, r.stderr
    (tmp_path / "bad.jsonl").write_text('{"OriginalTweet": "fine"}\n{"OriginalTweet": \n')
    r = run_cli("predict", "--model", model, "--input", tmp_path / "bad.jsonl", "--output", tmp_path / "bad.csv")
    assert r.returncode != 0 and "bad.jsonl: line 2 is not valid JSON" in r.stderr
    assert not (tmp_path / "bad.csv").exists()


def test_python_predict(model):
    import tweetsent
    labels = tweetsent.predict(["Thank you, wonderful nurses!", "Awful shelves"], model)
    assert len(labels) == 2 and set(labels) <= set(json.loads((model / "model_info.json").read_text())["labels"])
    proba = tweetsent.predict(["ok"], model, probabilities=True)
    assert abs(proba.to_numpy().sum() - 1) < 1e-5


def test_compress_from_the_command_line(model, tmp_path):
    r = run_cli("compress", "--model", model, "--method", "onnx-int8", "--out", tmp_path / "onnx")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "onnx" / "model_info.json").read_text())["variant"] == "onnx-int8"
    r = run_cli("compress", "--model", model, "--method", "prune", "--set",
                "prune_ammount=0.5", "--out", tmp_path / "p")
    assert r.returncode == 2 and "did you mean 'prune_amount'" in r.stderr
    # the folder's own settings suffice
    r = run_cli("compress", "--model", model, "--method", "distill", "--out", tmp_path / "student")
    assert r.returncode == 0, r.stderr[-1000:]
    # smoke.yaml's distill_hidden
    assert json.loads((tmp_path / "student" / "model_info.json").read_text())["hidden_size"] == 16


def test_every_option_has_help_and_every_command_an_example():
    from tweetsent.cli import EXAMPLES, build_parser
    commands = build_parser()._subparsers._group_actions[0].choices
    assert set(commands) == set(EXAMPLES)
    for name, sp in commands.items():
        assert sp.epilog == f"example: {EXAMPLES[name]}"
        for action in sp._actions:
            assert action.help, f"{name} {action.option_strings} has no help"


def test_train_writes_only_its_model_folder(tmp_path):
    import os
    env_out = os.environ.pop("TWEETSENT_OUT_DIR")
    try:
        r = run_cli("train", "--params", "params/smoke.yaml", "--set", "epochs=1", "--out", tmp_path / "model")
    finally: os.environ["TWEETSENT_OUT_DIR"] = env_out
    assert r.returncode == 0, r.stderr
    # caches went to a work folder, now removed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]   # nor its lock file


def test_a_redirected_log_gets_whole_lines_not_a_redrawn_bar(model, tmp_path):
    "`evaluate > log` on 760 tweets: at most a line every tenth of the way, never a carriage-return update."
    from tweetsent.demo import make_demo_tweets
    make_demo_tweets(760, seed=3).to_csv(tmp_path / "t.csv", index=False)
    r = run_cli("evaluate", "--model", model, "--input", tmp_path / "t.csv")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "\r" not in r.stderr and len(r.stderr.splitlines()) <= 11, r.stderr[-2000:]


def test_lexicons_command_is_quiet(tmp_path):
    r = run_cli("lexicons", "--dir", tmp_path / "lex")
    assert r.returncode == 0 and r.stderr == "", r.stderr[-2000:]
    assert json.loads(r.stdout)["AFINN-111.txt"] is True and (tmp_path / "lex" / "AFINN-111.txt").exists()
