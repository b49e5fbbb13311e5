"""The hostile audit's cases (Safety II), each a test: no code runs from a model folder, no user file is lost to --out,
no silent wrong answer from the API, every model_info.json edit refused, one line instead of a traceback."""
import errno
import gzip
import json
import os
import shutil
import time

import numpy as np
import pandas as pd
import pytest

import tweetsent
from conftest import ROOT, run_cli
from tweetsent.layout import INFO_FILE
from tweetsent.models import ModelError
from tweetsent.storage import folder_lock
from tweetsent.variants import folder_digests, load_model

EVIL = "import pathlib; pathlib.Path({marker!r}).write_text('pwned')\n"
GOOD_CSV = 'OriginalTweet,Sentiment\n"Thank you, wonderful nurses!",Positive\nAwful shelves,Negative\n'


def one_line(r):
    return r.returncode == 2 and r.stderr.strip().count("\n") == 0 and r.stderr.startswith("error: ")


def run_main(capsys, monkeypatch, *argv, stdin: str = ""):
    "The command line in this process (a subprocess costs seconds of imports), with `stdin` as its standard input."
    import io
    import types

    from tweetsent.cli import main
    monkeypatch.setattr("sys.stdin",
                        types.SimpleNamespace(buffer=io.BytesIO(stdin.encode()), read=io.StringIO(stdin).read,
                                                           readline=io.StringIO(stdin).readline, isatty=lambda: False))
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return types.SimpleNamespace(returncode=code, stdout=out, stderr=err)


def rehash(folder):
    "What an attacker does after editing a folder: recompute the manifest so the checksums match again."
    info = json.loads((folder / INFO_FILE).read_text())
    info["files"] = folder_digests(folder)
    (folder / INFO_FILE).write_text(json.dumps(info))


def custom_code_folder(teacher, tmp_path, where: str, listed: bool):
    "A copy of a model whose tokenizer (or backbone) config names a class in a planted evil.py."
    folder = shutil.copytree(teacher, tmp_path / f"evil-{where}-{listed}")
    marker = tmp_path / f"pwned-{where}-{listed}"
    (folder / "evil.py").write_text(EVIL.format(marker=str(marker)))
    config = folder / ("tokenizer_config.json" if where == "tokenizer" else "backbone_config/config.json")
    values = json.loads(config.read_text())
    values["auto_map"] = {"AutoTokenizer": ["evil.EvilTokenizer",
                                            None]} if where == "tokenizer" else {"AutoConfig": "evil.EvilConfig"}
    if where == "tokenizer": values["tokenizer_class"] = "EvilTokenizer"
    config.write_text(json.dumps(values))
    if listed: rehash(folder)
    return folder, marker


@pytest.mark.parametrize("where", ["tokenizer", "backbone"])
@pytest.mark.parametrize("listed", [False, True], ids=["unlisted", "manifest-rewritten"])
def test_a_custom_code_folder_runs_nothing_and_says_why(smoke_variants, tmp_path, capsys, monkeypatch, where, listed):
    _, teacher, _, _ = smoke_variants
    folder, marker = custom_code_folder(teacher, tmp_path, where, listed)
    (tmp_path / "in.csv").write_text(GOOD_CSV)
    # a real process, 'y' on its stdin
    r = run_cli("predict", "--model", folder, "--input", "-", input="OriginalTweet\ny\ny\n")
    assert one_line(r) and ("evil.py" in r.stderr or "auto_map" in r.stderr), r.stderr[-500:]
    for argv in (["evaluate", "--model", folder, "--input", tmp_path / "in.csv"],
                 ["compress", "--model", folder, "--method", "int8", "--out", tmp_path / "c"]):
        # a 'y' waiting for any "run custom code? [y/N]" prompt
        r = run_main(capsys, monkeypatch, *argv, stdin="y\ny\n")
        assert one_line(r) and ("evil.py" in r.stderr or "auto_map" in r.stderr), r.stderr[-500:]
    assert not marker.exists()
    assert not (tmp_path / "c").exists()
    with pytest.raises(ModelError, match="evil.py is code|auto_map"): load_model(folder)
    with pytest.raises(ModelError, match="evil.py is code|auto_map"): tweetsent.predict("a tweet", folder)
    assert not marker.exists()


def test_a_file_the_manifest_does_not_list_is_refused(smoke_variants, tmp_path):
    _, teacher, _, _ = smoke_variants
    folder = shutil.copytree(teacher, tmp_path / "m")
    (folder / "notes.txt").write_text("added later")
    with pytest.raises(ModelError, match="notes.txt is not in the folder's manifest"): load_model(folder)


@pytest.fixture
def theirs(tmp_path):
    "A user's folder and file that --out must never touch."
    folder = tmp_path / "thesis"; (folder / "chapters").mkdir(parents=True)
    (folder / "thesis.txt").write_text("years of work"); (folder / "chapters" / "1.txt").write_text("one")
    (tmp_path / "afile.txt").write_text("mine")
    return folder, tmp_path / "afile.txt"


def untouched(folder, afile):
    return ((folder / "thesis.txt").read_text() == "years of work"
            and (folder / "chapters" / "1.txt").read_text() == "one"
            and afile.read_text() == "mine" and not list(afile.parent.glob(".afile.txt*")))


def test_out_never_replaces_what_tweetsent_did_not_write(smoke_variants, theirs, tmp_path, capsys, monkeypatch):
    _, teacher, _, _ = smoke_variants
    folder, afile = theirs
    # a real process, as a user runs it
    r = run_cli("train", "--params", "params/smoke.yaml", "--set", "epochs=1", "--out", folder)
    # refused before training
    assert one_line(r) and "never replaced" in r.stderr and "epoch" not in r.stdout, r.stderr
    monkeypatch.chdir(ROOT)
    for out in (folder, afile):
        for argv in (["train", "--params", "params/smoke.yaml", "--set", "epochs=1"],
                     ["compress", "--model", teacher, "--method", "int8"],
                     ["pretrain", "--params", "params/smoke.yaml"],
                     ["ensemble", "--params", "params/smoke.yaml", "--models", teacher]):
            r = run_main(capsys, monkeypatch, *argv, "--out", out)
            assert one_line(r) and "never replaced" in r.stderr and "epoch" not in r.stdout, (argv, r.stderr)
    assert untouched(folder, afile)
    copy = shutil.copytree(teacher, tmp_path / "model")
    for out in (copy, copy / "inside"):
        r = run_main(capsys, monkeypatch, "compress", "--model", copy, "--method", "int8", "--out", out)
        assert one_line(r) and "which this command reads" in r.stderr
    assert load_model(copy).info.variant == "fp32"


def test_a_hidden_copy_is_never_loaded_in_secret(smoke_variants, tmp_path, capsys, monkeypatch):
    _, teacher, _, _ = smoke_variants
    shutil.copytree(teacher, tmp_path / ".m.old-12345")
    r = run_main(capsys, monkeypatch, "predict", "--model", tmp_path / "m", "--input", "-", stdin=GOOD_CSV)
    assert one_line(r) and "Model folder not found" in r.stderr
    assert ".m.old-12345 is a copy an interrupted write left" in r.stderr


def test_a_second_train_is_turned_away_before_it_trains(tmp_path):
    with folder_lock(tmp_path / "model"):
        start = time.perf_counter()
        r = run_cli("train", "--params", "params/smoke.yaml", "--set", "epochs=1", "--out", tmp_path / "model")
    assert one_line(r) and f"being written by another process (pid {os.getpid()})" in r.stderr
    assert "epoch" not in r.stdout
    assert time.perf_counter() - start < 60 and not (tmp_path / "model").exists()


def test_a_failed_train_leaves_nothing_behind(tmp_path):
    (tmp_path / "one.csv").write_text("OriginalTweet,Sentiment\n" + "".join(f"tweet {i},Positive\n" for i in range(40)))
    r = run_cli("train", "--params", "params/smoke.yaml", "--set", f"train_path={tmp_path / 'one.csv'}", "--set",
                f"test_path={tmp_path / 'one.csv'}", "--out", tmp_path / "model")
    assert one_line(r) and "fewer than two classes (all 40 rows are 'Positive')" in r.stderr, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv"]   # no work folder, no model, no lock file


# --- the Python API: one rule for what it reads -------------------------------------------------------------------

def test_the_api_reads_one_str_as_one_text_and_refuses_other_types(smoke_variants):
    _, teacher, _, _ = smoke_variants
    clf = load_model(teacher)
    assert len(clf.predict("a tweet")) == 1 and clf.predict_proba("a tweet").shape == (1, len(clf.labels))
    assert tweetsent.predict([None, float("nan"), "", "  "], teacher) == [None] * 4
    assert tweetsent.predict("", teacher) is None and clf.predict([""]) == [None]
    assert tweetsent.pipeline(teacher)([""])[0]["label"] is None and np.isnan(clf.predict_proba([""])).all()
    for bad in (b"a tweet", {"text": "a tweet"}, 42, [b"bytes"], [{"a": 1}]):
        for call in (clf.predict, clf.predict_proba, lambda x: tweetsent.predict(x, teacher),
                     tweetsent.pipeline(teacher)):
            with pytest.raises(TypeError, match="bytes|dict|int"): call(bad)


def test_the_api_follows_the_folder_when_it_is_replaced_or_removed(smoke_variants, tmp_path):
    _, teacher, folders, _ = smoke_variants
    folder = shutil.copytree(teacher, tmp_path / "m")
    assert tweetsent.predict("a tweet", folder) in load_model(teacher).labels
    shutil.rmtree(folder); shutil.copytree(folders["int8"], folder)
    tweetsent.predict("a tweet", folder)
    from tweetsent.api import _LOADED
    assert _LOADED[folder.resolve()][1].info.variant == "int8"
    shutil.rmtree(folder)
    with pytest.raises(ModelError, match="Model folder not found"): tweetsent.predict("a tweet", folder)


# --- model_info.json: every value validated, the deciding ones checksummed -----------------------------------------

EDITS = [("max_length", 0, "'max_length' is 0"), ("max_text_chars", -1, "'max_text_chars' is -1"),
         ("class_bias", [5, 0, 0, 0, 0], "saved with other settings"),
         ("class_bias", [5, 0, 0], "3 offsets for 5 labels"),
         ("ngram_weight", 50, "'ngram_weight' is 50"), ("ngram_weight", 0.9, "saved with other settings"),
         ("max_length", 16, "saved with other settings"), ("uses_meta", False, "arch 'hybrid' needs meta features"),
         ("class_bias", "abc", "'class_bias' is \"abc\""), ("format_version", "2", "'format_version' is \"2\""),
         ("labels", ["a", "b", "c", "d", "e"], "was trained for labels"),
         ("arch", "text", "'uses_meta' is true but arch 'text' reads no meta features")]


@pytest.mark.parametrize("key,value,says", EDITS, ids=[f"{k}={v}" for k, v, _ in EDITS])
def test_every_model_info_edit_is_refused_in_one_line(smoke_variants, tmp_path, capsys, monkeypatch, key, value, says):
    _, teacher, _, _ = smoke_variants
    folder = shutil.copytree(teacher, tmp_path / "m")
    info = json.loads((folder / INFO_FILE).read_text()); info[key] = value
    (folder / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ModelError, match=says) as e: load_model(folder)
    assert "\n" not in str(e.value)
    r = run_main(capsys, monkeypatch, "predict", "--model", folder, "--input", "-", stdin=GOOD_CSV)
    assert one_line(r), r.stderr[-800:]


# --- one line, never a traceback ---------------------------------------------------------------------------------

@pytest.mark.parametrize("sets,says", [(["labels=[Positive, Negative, Positive]"], "names 'Positive' more than once"),
                                       (["tracker=[mlflow"], "is not valid YAML"),
                                       (["run_name=../../x"], "one folder under out_dir/runs")])
def test_bad_settings_are_one_line(tmp_path, capsys, monkeypatch, sets, says):
    monkeypatch.chdir(ROOT)
    for command in (["train", "--out", tmp_path / "m"], ["tune"]):
        r = run_main(capsys, monkeypatch, command[0], "--params", "params/smoke.yaml",
                     *[x for s in sets for x in ("--set", s)], *command[1:])
        assert one_line(r) and says in r.stderr, r.stderr[-800:]
    assert not (tmp_path / "m").exists()


def test_a_full_disk_is_one_line_and_the_old_model_survives(smoke_variants, tmp_path, monkeypatch, capsys):
    import safetensors.torch
    from safetensors import SafetensorError

    from tweetsent.cli import main
    _, teacher, _, _ = smoke_variants
    out = shutil.copytree(teacher, tmp_path / "out")
    def full(*a, **k):
        raise SafetensorError("Error while serializing: IoError(Os { code: 28, kind: StorageFull, message: \"No space "
                              "left on device\" })")
    monkeypatch.setattr(safetensors.torch, "save_file", full)
    monkeypatch.setattr("tweetsent.variants.save_file", full)
    assert main(["compress", "--model", str(teacher), "--method", "int8", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on the device while writing" in err and "unchanged" in err
    assert load_model(out).info.variant == "fp32" and not list(tmp_path.glob(".out.tmp-*"))
    (tmp_path / "old.csv").write_text("previous output")
    def no_space(*a, **k): raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(pd.DataFrame, "to_csv", no_space)
    (tmp_path / "in.csv").write_text(GOOD_CSV)
    assert main(["predict", "--model", str(teacher), "--input", str(tmp_path / "in.csv"), "--output",
                 str(tmp_path / "old.csv")]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("error: No space left on the device")
    assert (tmp_path / "old.csv").read_text() == "previous output"


def test_one_very_long_quoted_tweet_is_read_not_refused(smoke_variants, tmp_path, capsys, monkeypatch):
    _, teacher, _, _ = smoke_variants
    long = "so long " * 25_000   # 200,000 characters in one quoted field
    (tmp_path / "in.csv").write_text(f'OriginalTweet,Sentiment\n"{long}",Positive\nshort one,Negative\n')
    r = run_main(capsys, monkeypatch, "predict", "--model", teacher, "--input", tmp_path / "in.csv",
                 "--output", tmp_path / "out.csv")
    assert r.returncode == 0, r.stderr[-500:]
    out = pd.read_csv(tmp_path / "out.csv")
    # the row comes back as it was
    assert len(out) == 2 and out["predicted"].notna().all() and out["OriginalTweet"][0] == long


def test_a_gzip_bomb_is_refused_without_unpacking_it(smoke_variants, tmp_path):
    import resource
    _, _, folders, _ = smoke_variants
    folder = shutil.copytree(folders["prune"], tmp_path / "bomb")
    with gzip.open(folder / "model.safetensors.gz", "wb", compresslevel=9) as f:
        zeros = b"\0" * (1 << 20)
        for _ in range(400): f.write(zeros)   # 400 MB unpacked, under 0.5 MB packed
    rehash(folder)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelError, match="unpacks to more bytes than the .* recorded|no plausible unpacked size"):
        load_model(folder)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000   # KiB: far below the 400 MB
    info = json.loads((folder / INFO_FILE).read_text()); info["unpacked_bytes"] = 400 << 20
    (folder / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ModelError, match="no plausible unpacked size"): load_model(folder)


def test_loading_onnx_writes_nothing_in_the_home_folder(smoke_variants, tmp_path):
    _, _, folders, _ = smoke_variants
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "tweetsent", "predict", "--model",
                        str(folders["onnx-int8"]), "--input", "-"],
                       input=GOOD_CSV, capture_output=True, text=True, cwd=ROOT,
                       env={**env, "HOME": str(tmp_path)}, timeout=300)
    assert r.returncode == 0, r.stderr[-500:]
    assert not (tmp_path / ".cache" / "Microsoft").exists()   # ONNX Runtime's device id and telemetry store


def test_every_file_of_a_model_folder_is_readable_as_the_umask_allows(smoke_variants):
    _, teacher, folders, _ = smoke_variants
    umask = os.umask(0); os.umask(umask)
    for folder in (teacher, *folders.values()):
        for path in folder.rglob("*"):
            assert path.stat().st_mode & 0o777 == (0o777 if path.is_dir() else 0o666) & ~umask, path
