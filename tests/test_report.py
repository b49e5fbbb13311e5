"""The run report: self-contained page, links that resolve, images that render in headless Chromium."""
import json
import re
import shutil
import subprocess

import matplotlib.pyplot as plt
import pytest

from tweetsent.report import build_report, save_figure


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not exe:
        pytest.skip("Chromium not installed (.ci/run installs the Debian package 'chromium')")
    return exe


@pytest.fixture
def run_folder(tmp_path):
    run = tmp_path / "run"
    for name in ("class_distribution", "confusion"):
        fig, ax = plt.subplots()
        ax.bar(["a", "b"], [1, 2])
        save_figure(fig, run, name, show=False)
    (run / "metrics.json").write_text(json.dumps({"model": {"accuracy": 0.91, "macro_f1": 0.9, "variant": "fp32"}}))
    (run / "data_summary.json").write_text(json.dumps({"source": "demo", "notice": "demo data", "train_rows": 8, "test_rows": 2,
                                                       "files": []}))
    (run / "params.yaml").write_text("backbone: tiny-random\n")
    for nb in ("01_eda", "06_evaluate"):
        (run / f"{nb}.html").write_text(f"<html><body>{nb}</body></html>")
    return run


def test_report_is_self_contained_and_links_resolve(run_folder):
    page = build_report(run_folder).read_text()
    assert page.count("data:image/png;base64,") == 2 and "0.9100" in page and "demo data" in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert hrefs == ["01_eda.html", "06_evaluate.html"] and all((run_folder / h).exists() for h in hrefs)
    assert not re.findall(r'src="(?!data:)', page)            # no image outside the page


def test_report_renders_in_headless_chromium(run_folder, tmp_path):
    exe = chromium()
    build_report(run_folder)
    harness = tmp_path / "harness.html"
    harness.write_text("""<html><body><pre id="out">pending</pre>
<iframe id="f" src="run/index.html" onload="check()"></iframe>
<script>function check() {
  const d = document.getElementById('f').contentDocument, imgs = [...d.images];
  document.getElementById('out').textContent = JSON.stringify({title: d.title, images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt), h1: d.querySelector('h1').textContent});
}</script></body></html>""")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic", f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=5000", "--dump-dom", harness.as_uri()]
    r = subprocess.run([exe, *flags], capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="out">(.*?)</pre>', r.stdout, re.S)
    assert found, r.stderr[-2000:]
    result = json.loads(found.group(1).replace("&amp;", "&"))
    assert result == {"title": "tweetsent run", "images": 2, "broken": [], "h1": "tweetsent run: run"}
