"""JupyterLab is the front door: the server lists the notebooks, offers the project's kernel, and a stage notebook runs
on that kernel (which `make setup` installs)."""
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    port, token = free_port(), secrets.token_hex(16)
    home = tmp_path_factory.mktemp("lab")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.port={port}",
                             "--ServerApp.ip=127.0.0.1",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}",
                             "--ServerApp.port_retries=0", "--ServerApp.allow_root=True",
                             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(home)})
    base = f"http://127.0.0.1:{port}"
    def get(path, method="GET", body=None):
        req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode()
                                     if body is not None else None,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r: return json.loads(r.read() or b"null")
    for _ in range(120):                                          # up to a minute for the server to come up
        try: get("/api/status"); break
        except OSError: time.sleep(0.5)
    else:
        proc.kill(); pytest.fail(f"JupyterLab did not start: {proc.stderr.read().decode()[-2000:]}")
    yield get
    proc.terminate(); proc.wait(timeout=30)


def test_lab_lists_the_notebooks_and_offers_the_project_kernel(lab):
    listing = lab("/api/contents/notebooks")
    names = {item["name"] for item in listing["content"]}
    assert {f"{n}.ipynb" for n in ("01_eda", "02_features", "03_baselines", "04_tune", "05_train", "06_evaluate",
                                   "07_explain", "08_compression")} <= names
    specs = lab("/api/kernelspecs")["kernelspecs"]
    assert "tweetsent" in specs, "the project kernel is missing: run `make setup`"
    notebook = lab("/api/contents/notebooks/03_baselines.ipynb")
    assert notebook["content"]["metadata"]["kernelspec"]["name"] == "tweetsent"       # the notebooks open on it
    kernel = lab("/api/kernels", "POST", {"name": "tweetsent"})
    assert kernel["name"] == "tweetsent"
    lab(f"/api/kernels/{kernel['id']}", "DELETE")


def test_a_stage_notebook_runs_on_the_project_kernel(tmp_path):
    import papermill as pm
    out = tmp_path / "03.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "03_baselines.ipynb"), str(out),
                        kernel_name="tweetsent", cwd=str(ROOT),
                        parameters={"params_file": "params/smoke.yaml", "overrides": {"out_dir": str(tmp_path)}},
                        progress_bar=False)
    cells = json.loads(out.read_text())["cells"]
    assert not [o for c in cells for o in c.get("outputs", []) if o.get("output_type") == "error"]


def kernel_language_info() -> dict:
    "What the project kernel answers about its language, as JupyterLab asks when it starts the kernel."
    from jupyter_client.manager import start_new_kernel
    km, kc = start_new_kernel(kernel_name="tweetsent")
    try: return kc.kernel_info(reply=True, timeout=60)["content"]["language_info"]
    finally: kc.stop_channels(); km.shutdown_kernel(now=True)


def test_notebooks_open_unmodified_in_jupyterlab():
    """JupyterLab writes the kernel's language_info into a notebook whose own differs (deep-equal or not written), which
    marks it modified the moment it opens: every notebook keeps the project kernel's, and `nbdev_clean` keeps it. The
    Python patch version is this machine's; on another it differs, and that is the one key allowed to."""
    expected = kernel_language_info()
    same = lambda info: {k: v for k, v in info.items() if k != "version"}      # noqa: E731
    for path in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts: continue
        meta = json.loads(path.read_text())["metadata"]
        assert meta["kernelspec"] == {"display_name": "tweetsent", "language": "python", "name": "tweetsent"}, path
        info = meta.get("language_info")
        assert info is not None, f"{path.relative_to(ROOT)} has no language_info: JupyterLab marks it modified on open"
        assert same(info) == same(expected), path
        assert info["version"].split(".")[:2] == expected["version"].split(".")[:2], path
