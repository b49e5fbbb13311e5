"""Safety III after the output gate (issue 32): every model-folder read through `variants`, every table through
`inputs`, every JSON or YAML file through `storage`'s readers, and the Python API reading what it is given as a user
means it. Each case came from the hostile audit and failed (a traceback, a wrong answer, gigabytes of memory) before."""
import gzip
import json
import resource
import shutil
import signal
import subprocess
import sys
import tracemalloc

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT, run_cli
from tweetsent.layout import INFO_FILE
from tweetsent.variants import folder_digests

PARAMS = str(ROOT / "params" / "smoke.yaml")


def one_line_refusal(r, says: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1 and says in r.stderr, r.stderr[-2000:]


def resigned(smoke_model, tmp_path, name: str, edit) -> str:
    "A copy of the smoke model with `edit` applied to its JSON file `name` and the manifest's digests re-signed."
    folder = tmp_path / "m"
    shutil.copytree(smoke_model, folder)
    path = folder / name
    path.write_text(edit(path.read_text()))
    info = json.loads((folder / INFO_FILE).read_text())
    (folder / INFO_FILE).write_text(json.dumps({**info, "files": folder_digests(folder)}))
    return str(folder)


def with_keys(**keys):
    return lambda text: json.dumps({**json.loads(text), **keys})


@pytest.mark.parametrize("name, edit, says", [
    ("tokenizer_config.json", with_keys(fast_tokenizer_files=["/tmp/tokenizer.4.0.json"]),
     "points 'fast_tokenizer_files' outside the folder"),
    ("tokenizer_config.json", with_keys(fast_tokenizer_files=["../../tokenizer.4.0.json"]),
     "points 'fast_tokenizer_files' outside the folder"),
    ("tokenizer_config.json", with_keys(Auto_Map={"AutoTokenizer": ["evil.Tok", None]}),
     "names custom code ('Auto_Map'"),
    ("tokenizer_config.json", lambda text: json.dumps({k: v for k, v in json.loads(text).items() if k != "pad_token"}
                                                      | {"tokenizer_class": "NoSuchTokenizer"}), "the tokenizer"),
    ("features.json", lambda text: '{"groups": ' + "[" * 20_000 + "]" * 20_000 + "}", "more than 64 deep"),
], ids=["absolute", "dotdot", "Auto_Map", "no-pad-token", "deep"])
def test_a_model_folder_opens_only_its_own_files_and_says_what_is_wrong_in_one_line(smoke_model, tmp_path, name,
                                                                                     edit, says):
    r = run_cli("predict", "--model", resigned(smoke_model, tmp_path, name, edit), "--input", "-",
                input="OriginalTweet\nThank you nurses\n")
    one_line_refusal(r, says)


def test_class_offsets_that_leave_no_probability_stop_with_one_line(smoke_model, tmp_path):
    "In model_info.json the rules refuse them; a model whose network gives non-finite logits stops, never labels."
    from tweetsent.models import ModelError
    from tweetsent.variants import load_model
    r = run_cli("predict", "--model", resigned(smoke_model, tmp_path, INFO_FILE, with_keys(class_bias=[1e308] * 5)),
                "--input", "-", input="OriginalTweet\nThank you nurses\n")
    one_line_refusal(r, "'class_bias' is [1e+308")
    clf = load_model(smoke_model)
    clf.info.class_bias = [float("inf")] + [0.0] * 4
    with pytest.raises(ModelError, match="gave no probabilities for 1 of 1 texts"): clf.predict(["Thank you nurses"])


def test_a_gzip_that_unpacks_to_one_huge_line_is_refused_in_bounded_memory(tmp_path):
    "300 MB in one line, 300 KB packed: refused at the line, holding at most the line limit (64 MiB) and a sample."
    from tweetsent.inputs import DataError, read_input
    path = tmp_path / "one-line.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(b"OriginalTweet\n")
        for _ in range(300): f.write(b"x" * (1 << 20))
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match="line 2 is longer than 67,108,864 bytes"):
            read_input(path, ["OriginalTweet"])
        _, peak = tracemalloc.get_traced_memory()
    finally: tracemalloc.stop()
    assert peak < 200 << 20, f"{peak / 2**20:.0f} MiB held to refuse a 300 MB line"


def test_tables_that_cannot_be_read_as_one_column_each_are_one_line(smoke_model, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.table([["good"], ["bad"]], names=["OriginalTweet", "OriginalTweet"]), tmp_path / "twice.parquet")
    (tmp_path / "deep.jsonl").write_text('{"OriginalTweet": "fine"}\n{"OriginalTweet": ' + "[" * 50_000 + "\n")
    for name, says in [("twice.parquet", "repeats column names: ['OriginalTweet']"), ("deep.jsonl", "line 2 nests")]:
        r = run_cli("predict", "--model", smoke_model, "--input", tmp_path / name, "--output", tmp_path / "out.csv")
        one_line_refusal(r, says)
        assert not (tmp_path / "out.csv").exists()


def test_the_python_api_reads_what_it_is_given_as_a_user_means_it(smoke_model):
    import tweetsent
    texts = ["Thank you nurses", "Empty shelves again"]
    assert tweetsent.predict(pd.DataFrame({"a": texts}), smoke_model) == tweetsent.predict(texts, smoke_model)
    assert tweetsent.predict(pd.DataFrame({"id": [1, 2], "OriginalTweet": texts}), smoke_model) == \
        tweetsent.predict(texts, smoke_model)                                  # the model's text column, by name
    with pytest.raises(TypeError, match="none named 'OriginalTweet'"):
        tweetsent.predict(pd.DataFrame({"a": texts, "b": texts}), smoke_model)
    with pytest.raises(TypeError, match="in order"): tweetsent.predict(set(texts), smoke_model)
    assert tweetsent.predict([np.float32("nan"), pd.NaT, texts[0]], smoke_model)[:2] == [None, None]
    classify = tweetsent.pipeline(smoke_model)
    assert len(classify(texts[0], top_k=None)[0]) == 5 and len(classify(texts[0], top_k=2)[0]) == 2
    for k in (-1, 0, 2.5):
        with pytest.raises(ValueError, match="top_k must be a whole number >= 1"): classify(texts[0], top_k=k)


@pytest.mark.parametrize("setting, says", [
    ("tune_storage=foo://bar", "tune_storage foo://bar is not a database URL"),
    ("tune_storage=sqlite:///{tmp}/notes.txt", "file is not a database"),
    ("tune_storage=sqlite:///{tmp}", "unable to open database file"),
    ("tune_storage=mysql://me:secret@127.0.0.1/db", "mysql://me:***@127.0.0.1/db: the database's Python driver"),
], ids=["scheme", "text-file", "folder", "driver"])
def test_a_study_storage_that_cannot_be_opened_is_one_line(tmp_path, setting, says):
    (tmp_path / "notes.txt").write_text("not a database")
    r = run_cli("tune", "--params", PARAMS, "--set", f"out_dir={tmp_path / 'out'}", "--set",
                setting.format(tmp=tmp_path), "--set", "tune_trials=1")
    one_line_refusal(r, says)
    assert "secret" not in r.stderr


@pytest.mark.parametrize("name, text, says", [
    ("metrics.json", '{"model": {"macro_f1": 0.9', "metrics.json is not valid JSON"),
    ("metrics.json", "[1, 2]", "metrics.json holds a JSON list, not a dict"),
    ("params.yaml", "lr: !!python/object/apply:os.system [echo hacked]\n", "could not determine a constructor"),
    ("params.yaml", "select_metric: [1, 2]\n", "select_metric"),
], ids=["broken-metrics", "metrics-list", "python-tag", "metric-list"])
def test_report_on_a_damaged_run_is_one_line(tmp_path, name, text, says):
    run = tmp_path / "runs" / "r"
    run.mkdir(parents=True)
    (run / "params.yaml").write_text(yaml.safe_dump({"run_name": "r"}))
    (run / "metrics.json").write_text("{}")
    (run / name).write_text(text)
    r = run_cli("report", "--run", run)
    one_line_refusal(r, says)
    assert "hacked" not in r.stdout


def test_a_full_disk_while_training_writes_its_checkpoint_is_one_line(tmp_path):
    "The file size limit stands in for a full disk: the checkpoint (4x the 4 MB model) is the first file past it."
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8_000_000, 8_000_000))
    r = subprocess.run([sys.executable, "-m", "tweetsent", "train", "--params", PARAMS, "--set", "epochs=1", "--set",
                        f"out_dir={tmp_path / 'out'}", "--out", tmp_path / "m"], cwd=ROOT, preexec_fn=limit,
                       capture_output=True, text=True, timeout=600)
    one_line_refusal(r, "No space left on the device while writing")
    assert "state.pt" in r.stderr and not (tmp_path / "m").exists()
