"""Model folders anyone can load safely: nothing in a folder is unpickled or executed, damage is caught and named,
and a save that dies at any step leaves the previous model loadable."""
import json
import os
import pickle
import shutil

import pytest

from tweetsent.layout import INFO_FILE
from tweetsent.models import ModelError
from tweetsent.storage import PUBLISH_STEPS, StorageError, publish_folder, stale_siblings
from tweetsent.variants import folder_digests, load_model, save_model


class Payload:
    "Unpickling this creates a marker file: proof that code ran."
    def __init__(self, marker): self.marker = str(marker)
    def __reduce__(self): return (os.system, (f"touch {self.marker}",))


def all_folders(smoke_variants):
    _, teacher, folders, _ = smoke_variants
    return {"fp32": teacher, **folders}


def test_loading_never_unpickles(smoke_variants, monkeypatch):
    import torch
    def refuse(*a, **k): raise AssertionError("a model folder was unpickled")
    for name in ("load", "loads", "Unpickler"): monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    for variant, folder in all_folders(smoke_variants).items():
        assert load_model(folder).predict_proba(["Thank you, wonderful nurses!"]).shape[0] == 1, variant


@pytest.mark.parametrize("variant", ["fp32", "int8", "onnx-int8", "prune", "prune-structured", "distill"])
def test_a_payload_planted_in_any_file_never_runs(smoke_variants, tmp_path, variant):
    source = all_folders(smoke_variants)[variant]
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Payload(marker))
    files = sorted(p.relative_to(source) for p in source.rglob("*") if p.is_file())
    assert len(files) >= 5
    for rel in files:
        for rehash in (False, True):   # a damaged folder, and a malicious one whose checksums were recomputed
            folder = tmp_path / f"{rel.as_posix().replace('/', '_')}-{rehash}"
            shutil.copytree(source, folder)
            (folder / rel).write_bytes(payload)
            if rehash and rel.name != INFO_FILE:
                info = json.loads((folder / INFO_FILE).read_text())
                info["files"] = folder_digests(folder)
                (folder / INFO_FILE).write_text(json.dumps(info))
            try:
                load_model(folder)
                assert rehash, f"a payload in {rel} went unnoticed although its checksum no longer matched"
            except ModelError as e:   # the only way loading may fail: one line that names the problem
                assert "\n" not in str(e)
                if not rehash: assert rel.name in str(e) or (rel.name == INFO_FILE and "not valid JSON" in str(e))
            assert not marker.exists(), f"loading ran code planted in {rel}"


def test_damage_is_named(smoke_variants, tmp_path):
    _, teacher, _, _ = smoke_variants
    def copy(name):
        return shutil.copytree(teacher, tmp_path / name)
    f = copy("truncated-json"); (f / INFO_FILE).write_text((teacher / INFO_FILE).read_text()[:200])
    with pytest.raises(ModelError, match="model_info.json is not valid JSON .*the folder is damaged"): load_model(f)
    f = copy("missing"); (f / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="tokenizer.json is missing"): load_model(f)
    f = copy("truncated-weights"); w = f / "model.safetensors"; w.write_bytes(w.read_bytes()[:1000])
    with pytest.raises(ModelError, match="model.safetensors changed since the model was saved"): load_model(f)
    f = copy("relabelled"); info = json.loads((f / INFO_FILE).read_text()); info["labels"] = info["labels"][::-1]
    (f / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ModelError, match="was trained for labels .* but model_info.json says"): load_model(f)
    f = copy("old-format"); info = json.loads((f / INFO_FILE).read_text()); info.pop("format_version")
    (f / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ModelError, match="older tweetsent .*not loaded because unpickling can run code"): load_model(f)
    f = copy("escape"); info = json.loads((f / INFO_FILE).read_text()); info["files"]["../../etc/passwd"] = "0" * 64
    (f / INFO_FILE).write_text(json.dumps(info))
    with pytest.raises(ModelError, match="path outside the folder"): load_model(f)


@pytest.fixture
def two_models(smoke_variants, tmp_path):
    "An 'old' model already at the target and a complete 'new' model folder to publish over it."
    _, teacher, _, _ = smoke_variants
    old = load_model(teacher)
    target = save_model(old, tmp_path / "model")
    old.info.run_name = "new"
    new = save_model(old, tmp_path / "new-source")
    return target, new


def copier(source):
    return lambda tmp: [shutil.copy2(p, tmp / p.name) if p.is_file() else shutil.copytree(p, tmp / p.name)
                        for p in source.iterdir()]


KILL_POINTS = [(step, exchange) for exchange in (True, False) for step in PUBLISH_STEPS
               # the atomic exchange has no step between two renames
               if not (exchange and step == "renamed-old")]


@pytest.mark.parametrize("step,exchange", KILL_POINTS,
                         ids=[f"{s}-{'renameat2' if e else 'two-renames'}" for s, e in KILL_POINTS])
def test_killed_writer_leaves_a_loadable_model(two_models, step, exchange):
    import tweetsent.storage as storage
    target, new = two_models
    pid = os.fork()
    if pid == 0:   # the writer: dies without cleaning up, as under kill -9
        try:
            if not exchange: storage._exchange = lambda a, b: False
            storage._fault = lambda s: os._exit(7) if s == step else None
            publish_folder(target, copier(new))
        finally: os._exit(0)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 7
    before_swap = PUBLISH_STEPS.index(step) < PUBLISH_STEPS.index("swapped")
    # between the two renames there is no folder: the copy left aside is named, never loaded in secret
    if step == "renamed-old":
        with pytest.raises(ModelError,
                           match=r"Model folder not found: .*\.model\.old-\d+ is a copy an interrupted write left"):
            load_model(target)
    else: assert load_model(target).info.run_name == ("c" if before_swap else "new")
    save_model(load_model(new), target)                  # the next writer cleans up and publishes
    assert load_model(target).info.run_name == "new" and not stale_siblings(target)


def test_second_writer_is_refused_and_stale_folders_are_cleaned(two_models):
    import subprocess
    import sys
    target, new = two_models
    hold = (f"import time\nfrom tweetsent.storage import folder_lock\nwith folder_lock({str(target)!r}):\n    "
            f"print('held', flush=True); time.sleep(120)")
    # another process is writing
    holder = subprocess.Popen([sys.executable, "-c", hold], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StorageError, match=rf"model is being written by another process \(pid {holder.pid}\)"):
            save_model(load_model(new), target)
    finally: holder.kill(); holder.wait()
    for name in (f".{target.name}.tmp-99999", f".{target.name}.old-99998"): (target.parent / name).mkdir()
    save_model(load_model(new), target)
    assert not stale_siblings(target) and load_model(target).info.run_name == "new"
