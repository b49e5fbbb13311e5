import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

if os.environ.get("PYTEST_XDIST_WORKER"):
    # `make test` runs two workers (pytest-xdist): one thread each, for them and the processes they start, since two
    # torch jobs that each take every core slow each other several-fold.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"): os.environ[var] = "1"


def pytest_configure(config):
    "Every run the tests start, notebooks under nbval included, writes into a temporary folder, never into outputs/."
    import tempfile
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker or "TWEETSENT_OUT_DIR" not in os.environ:   # each worker its own folder
        os.environ["TWEETSENT_OUT_DIR"] = tempfile.mkdtemp(prefix=f"tweetsent-tests-{worker or 'main'}-")
    config._outputs_before, config._top_before = _outputs(), _top()


def _top() -> set:
    "What the checkout's top folder holds (a tracker's default store such as ./mlruns or ./wandb would show up here)."
    return {p.name for p in ROOT.iterdir()} - {".pytest_cache", "__pycache__", ".hypothesis"}


def _outputs() -> set:
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / "outputs").rglob("*")
            if p.is_file()} if (ROOT / "outputs").exists() else set()


def pytest_sessionfinish(session, exitstatus):
    "Fail the run if any test wrote into the checkout's outputs/ folder."
    new = sorted(_outputs() - getattr(session.config, "_outputs_before", set()))
    new += sorted(_top() - getattr(session.config, "_top_before", _top()))
    if new:
        print(f"\nERROR: tests wrote into the checkout: {new[:10]}")
        session.exitstatus = 1


@pytest.fixture
def smoke_params(tmp_path, monkeypatch):
    "Smoke params writing into a temporary out_dir, with the project root as cwd."
    from tweetsent.params import load_params
    monkeypatch.chdir(ROOT)
    return load_params(ROOT / "params" / "smoke.yaml", {"out_dir": str(tmp_path / "outputs"), "run_name": "t"})


@pytest.fixture(scope="session")
def smoke_model(tmp_path_factory):
    "One smoke model (1 epoch) for every test that needs a trained model folder and does not change it."
    from tweetsent.params import load_params
    from tweetsent.train import train_and_save
    out = tmp_path_factory.mktemp("smoke-model")
    return train_and_save(load_params(ROOT / "params" / "smoke.yaml",
                                      {"out_dir": str(out), "run_name": "c", "epochs": 1}))


@pytest.fixture(scope="session")
def smoke_variants(smoke_model, tmp_path_factory):
    "Every compressed variant of the smoke model: (params, teacher folder, {method: folder}, test frame)."
    from tweetsent.compress import compress
    from tweetsent.datasets import load_dataset
    from tweetsent.params import COMPRESS_METHODS, load_params
    out = tmp_path_factory.mktemp("variants")
    p = load_params(ROOT / "params" / "smoke.yaml", {"out_dir": str(out), "run_name": "c", "epochs": 1})
    folders = {method: compress(smoke_model, method, p, out / method) for method in COMPRESS_METHODS}
    return p, smoke_model, folders, load_dataset(p).test


@pytest.fixture(scope="session")
def smoke_runs(tmp_path_factory):
    """The whole pipeline on the smoke params, twice at once from the same folder (under load, as a user running two
    params files side by side would): the first logged to MLflow (the trackers must stay quiet too). For each, (run
    folder, stdout, stderr); its output folder is two levels up."""
    import subprocess
    outs = [tmp_path_factory.mktemp("run"), tmp_path_factory.mktemp("run-beside")]
    procs = [subprocess.Popen([sys.executable, "-m", "tweetsent", "run", "--params", "params/smoke.yaml",
                               "--set", f"out_dir={out}", *extra], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for out, extra in zip(outs, (["--set", "tracker=mlflow"], []))]
    runs = []
    for out, proc in zip(outs, procs):
        stdout, stderr = proc.communicate(timeout=1200)
        assert proc.returncode == 0, stderr[-3000:]
        runs.append((out / "runs" / "smoke", stdout, stderr))
    return runs


@pytest.fixture(scope="session")
def smoke_run(smoke_runs):
    "The first of `smoke_runs`: (run folder, stdout, stderr)."
    return smoke_runs[0]


# What a user is shown by default stays hidden (deprecations, imports, unclosed resources); every other warning that a
# command would print fails it, so no command on the smoke params prints one.
WARNINGS_AS_ERRORS = ("error,ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::ImportWarning,"
                      "ignore::ResourceWarning")


def run_cli(*args, cwd=ROOT, input=None):
    "`python -m tweetsent ARGS` as a user runs it, with every warning a user would see turned into an error."
    import subprocess
    return subprocess.run([sys.executable, "-m", "tweetsent", *map(str, args)], cwd=cwd, input=input,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONWARNINGS": WARNINGS_AS_ERRORS})


# `make test-fast`: the unit checks alone. Slow: pipelines run as subprocesses, trained models shared by a module,
# JupyterLab, Chromium, PostgreSQL, and every library notebook under nbval.
SLOW_MODULES = {"test_lab", "test_report", "test_tune", "test_scale", "test_pretrain", "test_ensemble", "test_tracking",
                "test_dask"}
SLOW_FIXTURES = {"smoke_run", "smoke_runs", "smoke_model", "smoke_variants", "text_model", "model", "predict_model",
                 "lab"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = Path(str(item.fspath)).stem
        if item.fspath.ext == ".ipynb" or module in SLOW_MODULES or SLOW_FIXTURES & set(
                getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
