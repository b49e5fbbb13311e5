"""Every compression method makes a loadable model folder that delivers what it claims."""
import json

import numpy as np
import pytest

from tweetsent.compress import compress
from tweetsent.data import load_dataset
from tweetsent.models import folder_bytes, load_model
from tweetsent.train import train_and_save


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from tweetsent.params import load_params
    from conftest import ROOT
    out = tmp_path_factory.mktemp("compress")
    p = load_params(ROOT / "params" / "smoke.yaml", {"out_dir": str(out), "run_name": "c", "epochs": 1})
    teacher = train_and_save(p)
    return p, teacher, load_dataset(p).test, out


@pytest.mark.parametrize("method", ["int8", "onnx-int8", "prune", "prune-structured", "distill"])
def test_variant_loads_and_predicts(setup, method):
    p, teacher, test, out = setup
    folder = compress(teacher, method, p, out / method)
    clf = load_model(folder)
    proba = clf.predict_proba(test["text"])
    assert proba.shape == (len(test), len(p.labels)) and np.allclose(proba.sum(1), 1, atol=1e-4)
    info = json.loads((folder / "model_info.json").read_text())
    fp32 = load_model(teacher)
    if method == "onnx-int8":   # the exported graph keeps the meta input and agrees with PyTorch
        agree = (proba.argmax(1) == fp32.predict_proba(test["text"]).argmax(1)).mean()
        assert agree >= 0.99
    if method == "prune":
        assert info["sparsity"] >= p.prune_amount - 0.01 and folder_bytes(folder) < folder_bytes(teacher)
    if method == "prune-structured":
        assert info["n_parameters"] < fp32.info["n_parameters"] and "fine_tune" in info
    if method == "distill":
        assert info["hidden_size"] == p.distill_hidden and info["n_layers"] == p.distill_layers
        assert folder_bytes(folder) < folder_bytes(teacher)


def test_text_only_student(setup):
    import dataclasses
    p, teacher, test, out = setup
    folder = compress(teacher, "distill", dataclasses.replace(p, distill_meta=False), out / "text-student")
    clf = load_model(folder)
    assert clf.info["arch"] == "text" and not clf.info["uses_meta"]
    assert clf.predict_proba(test["text"][:5]).shape == (5, len(p.labels))
