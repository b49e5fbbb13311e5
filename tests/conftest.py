import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def smoke_params(tmp_path, monkeypatch):
    "Smoke params writing into a temporary out_dir, with the project root as cwd."
    from tweetsent.params import load_params
    monkeypatch.chdir(ROOT)
    return load_params(ROOT / "params" / "smoke.yaml", {"out_dir": str(tmp_path / "outputs"), "run_name": "t"})


def run_cli(*args, cwd=ROOT, input=None):
    import subprocess
    return subprocess.run([sys.executable, "-m", "tweetsent", *map(str, args)], cwd=cwd, input=input,
                          capture_output=True, text=True, timeout=600)
