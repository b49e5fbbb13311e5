from pathlib import Path

import pytest

from tweetsent.params import Params, ParamsError, load_params, parse_overrides

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("path", sorted((ROOT / "params").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_params_file_is_valid(path):
    p = load_params(path)
    assert p.run_name == path.stem and p.trainer in ("manual", "hf")


def test_default_and_original_tuned_values():
    assert load_params(ROOT / "params/minilm-manual.yaml").backbone == "minilm"
    r = load_params(ROOT / "params/roberta-base-hf.yaml")
    assert (r.lr, r.dropout, r.batch_size, r.epochs, r.max_length) == (4.69e-5, 0.253, 16, 5, 128)


def test_unknown_key_names_it_and_suggests(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("lerning_rate: 0.001\n")
    with pytest.raises(ParamsError, match=r"Unknown params key 'lerning_rate' in .*p.yaml \(did you mean 'lr'\?\)"):
        load_params(f)


@pytest.mark.parametrize("item,match", [("dropout=1.5", "'dropout'"), ("trainer=keras", "choose one of"),
                                        ("epochs=two", "'epochs'"), ("batch_size=0", "> 0"),
                                        ("feature_groups=[counts, emojis]", "emojis")])
def test_bad_values_are_named(item, match):
    with pytest.raises(ParamsError, match=match):
        load_params(ROOT / "params/smoke.yaml", [item])


def test_overrides_are_parsed_as_yaml():
    assert parse_overrides(["lr=1.0e-4", "labels=[a, b]", "max_rows=null"]) == {"lr": 1e-4, "labels": ["a", "b"], "max_rows": None}
    p = load_params(ROOT / "params/smoke.yaml", ["lr=3e-4", "epochs=1"])
    assert (p.lr, p.epochs) == (3e-4, 1)
    with pytest.raises(ParamsError, match="KEY=VALUE"):
        parse_overrides(["lr"])


def test_missing_params_file():
    with pytest.raises(ParamsError, match="Params file not found"):
        load_params("params/nope.yaml")
