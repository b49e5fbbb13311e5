"""JupyterLab is the front door: the server lists the notebooks, offers the project's kernel, and a stage notebook runs
on that kernel (which `make setup` installs)."""
import contextlib
import json
import os
import re
import secrets
import shutil
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


@contextlib.contextmanager
def running_lab(root, home):
    """A JupyterLab server on loopback serving `root`, its runtime files, workspaces and settings under `home`; yields
    (get, base URL with the token)."""
    port, token = free_port(), secrets.token_hex(16)
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.port={port}",
                             "--ServerApp.ip=127.0.0.1",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
                             "--ServerApp.port_retries=0", "--ServerApp.allow_root=True",
                             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "JUPYTER_RUNTIME_DIR": str(home),
                                 "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
                                 "JUPYTERLAB_SETTINGS_DIR": str(home / "settings")})
    base = f"http://127.0.0.1:{port}"
    def get(path, method="GET", body=None):
        req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode()
                                     if body is not None else None,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r: return json.loads(r.read() or b"null")
    try:
        for _ in range(120):                                          # up to a minute for the server to come up
            try: get("/api/status"); break
            except OSError: time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not start: {proc.stderr.read().decode()[-2000:]}")
        yield get, (base, token)
    finally:
        proc.terminate(); proc.wait(timeout=30)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with running_lab(ROOT, tmp_path_factory.mktemp("lab")) as (get, _): yield get


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


def test_a_notebook_opened_in_jupyterlab_is_not_marked_modified(tmp_path):
    """The real thing, in headless Chromium: a stage notebook opened in JupyterLab, its kernel started, is not marked
    modified; the same notebook without its language_info is (so the check can see it)."""
    from test_report import FLAGS, chromium
    exe = chromium()
    shutil.copy(ROOT / "notebooks" / "03_baselines.ipynb", tmp_path / "kept.ipynb")
    control = json.loads((tmp_path / "kept.ipynb").read_text()); del control["metadata"]["language_info"]
    (tmp_path / "control.ipynb").write_text(json.dumps(control))
    home = tmp_path / "home"; home.mkdir()

    def tab_of(name: str, base: str, token: str) -> tuple[str, str]:
        "The class of `name`'s tab and the kernel status once JupyterLab has opened it (a workspace of its own)."
        dom = subprocess.run([exe, *FLAGS, "--dump-dom", "--virtual-time-budget=40000",
                              f"{base}/lab/workspaces/{name.split('.')[0]}/tree/{name}?token={token}"],
                             capture_output=True, text=True, timeout=180).stdout
        tabs = [t for t in re.findall(r'<li [^>]*role="tab"[^>]*>', dom) if f'title="Name: {name}' in t]
        assert len(tabs) == 1, f"{name} did not open: {dom[-500:]}"
        status = re.findall(r"Kernel status: (\w+)", dom)
        return re.search(r'class="([^"]*)"', tabs[0]).group(1), status

    with running_lab(tmp_path, home) as (_, (base, token)):
        for name in ("kept.ipynb", "control.ipynb"): tab_of(name, base, token)   # the first open starts the kernels
        kept, kept_status = tab_of("kept.ipynb", base, token)
        bare, _ = tab_of("control.ipynb", base, token)
    assert "Idle" in kept_status, f"the kernel did not start: {kept_status}"   # language_info comes with the kernel
    assert "jp-mod-dirty" in bare.split(), "the control notebook was not marked modified: the check sees nothing"
    assert "jp-mod-dirty" not in kept.split(), "opening the notebook marked it modified"
