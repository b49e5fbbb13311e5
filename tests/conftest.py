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


class _Forks:
    """Runs `python -m tweetsent ARGS` through tests/cli_server.py: a fork of a process that has done the imports every
    command does, instead of a new interpreter (the same process, streams and exit code; 7 s of CPU less a call)."""
    def __init__(self, env: dict):
        import subprocess
        import tempfile
        self.env, (theirs_in, self.requests), (self.answers, theirs_out) = env, os.pipe(), os.pipe()
        log, self.log = tempfile.mkstemp(prefix="cli-server-", suffix=".log")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "cli_server.py"), str(theirs_in),
                                      str(theirs_out)], pass_fds=(theirs_in, theirs_out), cwd=ROOT, env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        os.close(log)
        os.close(theirs_in); os.close(theirs_out)
        import atexit
        atexit.register(self.proc.kill)
        self.pending, self.one_at_a_time = b"", __import__("threading").Lock()
        assert self.answer(120) == "ready", f"the command server did not start: {Path(self.log).read_text()}"

    def answer(self, timeout: float) -> str:
        import select
        import time
        deadline = time.monotonic() + timeout
        while b"\n" not in self.pending:
            if not select.select([self.answers], [], [], max(0.0, deadline - time.monotonic()))[0]:
                raise TimeoutError
            chunk = os.read(self.answers, 4096)
            if not chunk: raise EOFError(Path(self.log).read_text()[-2000:])
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        return line.decode()

    def run(self, args: list, cwd, input, timeout: float):
        import json
        import signal
        import subprocess
        import tempfile
        with self.one_at_a_time, tempfile.TemporaryDirectory(prefix="cli-") as d:
            stdin, stdout, stderr = Path(d, "in"), Path(d, "out"), Path(d, "err")
            stdin.write_text(input or ""); stdout.touch(); stderr.touch()
            request = {"args": args, "cwd": str(cwd), "stdin": str(stdin), "stdout": str(stdout),
                       "stderr": str(stderr)}
            os.write(self.requests, (json.dumps(request) + "\n").encode())
            pid = int(self.answer(30))
            try: code = int(self.answer(timeout))
            except TimeoutError:
                os.kill(pid, signal.SIGKILL); self.answer(30)
                raise subprocess.TimeoutExpired(args, timeout) from None
            def read(path):
                with open(path, newline=None) as f: return f.read()   # as subprocess's text=True reads
            return subprocess.CompletedProcess([sys.executable, "-m", "tweetsent", *args], code, read(stdout),
                                               read(stderr))


_FORKS: dict = {}


def run_cli(*args, cwd=ROOT, input=None):
    """`python -m tweetsent ARGS` as a user runs it, with every warning a user would see turned into an error. Forked
    from tests/cli_server.py, which starts again when a test has changed the environment."""
    env = {**os.environ, "PYTHONWARNINGS": WARNINGS_AS_ERRORS}
    same = lambda a, b: {k: v for k, v in a.items() if k != "PYTEST_CURRENT_TEST"} == {
        k: v for k, v in b.items() if k != "PYTEST_CURRENT_TEST"}
    forks = _FORKS.get("server")
    if forks is None or forks.proc.poll() is not None or not same(forks.env, env):
        if forks is not None: forks.proc.kill()
        forks = _FORKS["server"] = _Forks(env)
    return forks.run(list(map(str, args)), cwd, input, timeout=600)


# `make test-fast`: the unit checks alone. Slow: pipelines run as subprocesses, trained models shared by a module,
# JupyterLab, Chromium, PostgreSQL, and every library notebook under nbval.
SLOW_MODULES = {"test_lab", "test_report", "test_tune", "test_scale", "test_pretrain", "test_ensemble", "test_tracking",
                "test_dask"}
SLOW_FIXTURES = {"smoke_run", "smoke_runs", "smoke_model", "smoke_variants", "text_model", "model", "predict_model",
                 "lab"}


# The files that take longest, longest first: two workers take whole files in this order, so neither is left with a
# long one at the end while the other waits (make test measured 2026-12-08).
LONGEST_FIRST = ["tests/test_report.py", "tests/test_dask.py", "tests/test_ensemble.py", "tests/test_scale.py",
                 "tests/test_tracking.py", "tests/test_cli.py", "tests/test_structure.py", "notebooks/lib/scale.ipynb",
                 "tests/test_lab.py", "tests/test_features.py"]


def pytest_collection_modifyitems(config, items):
    rank = {name: k for k, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(Path(str(item.fspath)).relative_to(ROOT).as_posix(), len(rank)))
    for item in items:
        module = Path(str(item.fspath)).stem
        if item.fspath.ext == ".ipynb" or module in SLOW_MODULES or SLOW_FIXTURES & set(
                getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
