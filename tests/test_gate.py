"""Safety III, the one output gate (`tweetsent.storage`): every command writes through it, so none replaces a device or
a pipe, deletes a folder it did not make, writes over one of its own inputs or pulls the current folder away."""
import os
import shutil
import stat
import threading

from conftest import ROOT, run_cli
from tweetsent.variants import load_model

PARAMS = str(ROOT / "params" / "smoke.yaml")


def test_predict_writes_a_fifo_as_a_stream_and_never_replaces_it(smoke_model, tmp_path):
    "`--output` a FIFO (as /dev/null, a device): the rows go through it and it stays what it was."
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_text()))
    reader.start()
    r = run_cli("predict", "--model", smoke_model, "--input", "-", "--output", pipe,
                input="OriginalTweet\nThank you nurses\nEmpty shelves again\n")
    reader.join(60)
    assert r.returncode == 0, r.stderr[-2000:]
    assert stat.S_ISFIFO(os.stat(pipe).st_mode) and got and got[0].splitlines()[0].startswith("OriginalTweet,predicted")
    assert len(got[0].splitlines()) == 3 and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_a_work_folder_tweetsent_did_not_make_is_refused_and_kept(tmp_path):
    (tmp_path / ".m9.work").mkdir()
    (tmp_path / ".m9.work" / "notes.txt").write_text("the user's")
    r = run_cli("train", "--params", PARAMS, "--set", "epochs=1", "--out", tmp_path / "m9")
    assert r.returncode == 2 and "tweetsent did not make it" in r.stderr, r.stderr[-2000:]
    assert (tmp_path / ".m9.work" / "notes.txt").read_text() == "the user's" and not (tmp_path / "m9").exists()


def test_train_from_another_folder_puts_its_work_folder_beside_out_and_removes_only_that(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".m.work").mkdir()                          # the same name in the folder the command runs from
    r = run_cli("train", "--params", PARAMS, "--set", "epochs=1", "--out", "../m", cwd=elsewhere)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (elsewhere / ".m.work").is_dir()                  # not the command's: left alone
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "m"]   # its own work folder and lock: gone


def test_an_output_that_is_or_holds_or_sits_in_an_input_is_refused(smoke_model, tmp_path):
    mine = tmp_path / "m3copy"
    shutil.copytree(smoke_model, mine)
    ens = tmp_path / "ens"
    shutil.copytree(smoke_model, ens); shutil.copytree(smoke_model, ens / "members" / "m3")
    info, ens_info = (mine / "model_info.json").read_bytes(), (ens / "model_info.json").read_bytes()
    for args in (("ensemble", "--params", PARAMS, "--models", mine, smoke_model, "--out", mine),
                 ("compress", "--model", ens / "members" / "m3", "--method", "int8", "--out", ens),
                 ("predict", "--model", mine, "--input", "-", "--output", mine / "model_info.json")):
        r = run_cli(*args, input="OriginalTweet\nhi\n")
        assert r.returncode == 2 and "which this command reads" in r.stderr, (args[0], r.stderr[-2000:])
        assert len(r.stderr.strip().splitlines()) == 1
    assert (mine / "model_info.json").read_bytes() == info and load_model(mine)
    assert (ens / "model_info.json").read_bytes() == ens_info and (ens / "members" / "m3" / "model_info.json").exists()


def test_train_into_the_current_folder_is_refused_before_any_work(smoke_model, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(smoke_model, folder)
    r = run_cli("train", "--params", PARAMS, "--set", "epochs=1", "--out", ".", cwd=folder)
    assert r.returncode == 2 and "is the current folder or holds it" in r.stderr, r.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"] and load_model(folder)
