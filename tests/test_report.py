"""What a user sees: `python -m tweetsent run` on the smoke params prints one line per stage and nothing to worry
about, and leaves a report that renders in headless Chromium with every section, no broken image or link, and no
horizontal scrolling at 1280 px."""
import json
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, run_cli
from tweetsent.layout import STAGES
from tweetsent.report import SECTIONS, build_runs_index

NOISE = re.compile(r"warn|error|traceback|deprecat|exception", re.I)


def test_run_prints_one_line_per_stage_and_no_warnings(smoke_runs):
    "Two runs at once from one folder, on 2 cores: each prints its stage lines and its report's path, nothing else."
    for run, stdout, stderr in smoke_runs:
        lines = stdout.strip().splitlines()
        assert [re.match(r"\[(\w+)\] \d+ s · .+", line).group(1) for line in lines[:-1]] == STAGES
        assert lines[-1] == f"report: {run / 'index.html'}"
        assert stderr == "", stderr[-2000:]                  # no warning, no kernel's or asyncio's last words
        assert not [line for line in stdout.splitlines() if NOISE.search(line)]


def test_executed_notebooks_hold_no_warnings_or_errors(smoke_run):
    run, _, _ = smoke_run
    for name in STAGES:
        cells = json.loads((run / "notebooks" / f"{name}.ipynb").read_text())["cells"]
        for c in cells:
            for o in c.get("outputs", []):
                text = "".join(o.get("text", "")) if o.get("output_type") == "stream" else ""
                # no stderr at all
                assert o.get("output_type") != "error" and o.get("name") != "stderr", f"{name}: {text[:300]}"
            assert not re.search(r"^\s*(assert |test_eq)", "".join(c["source"]), re.M), f"{name}: a check cell"


def test_report_has_every_section_and_links_that_resolve(smoke_run):
    run, _, _ = smoke_run
    page = (run / "index.html").read_text()
    for sid, title, *_ in SECTIONS: assert f'<section id="{sid}"><h2>{title}</h2>' in page
    assert "Nothing recorded" not in page.split('id="provenance"')[0]          # every section of a full run has content
    hrefs = re.findall(r'href="([^"#]+)"', page)
    assert hrefs and all((run / h).exists() for h in hrefs), [h for h in hrefs if not (run / h).exists()]
    assert not re.findall(r'src="(?!data:)', page)                             # every image inside the page
    for needle in ("held-out macro-f1", "Per class", "The most confident mistakes",
                   "Tokens that push each class", "Params that differ"):
        assert needle in page, needle
    index = (run.parent.parent / "index.html").read_text()
    assert 'href="runs/smoke/index.html"' in index


def test_runs_on_other_data_are_listed_apart(smoke_run, tmp_path):
    run, _, _ = smoke_run
    other = tmp_path / "runs" / "other"
    shutil.copytree(run, other)
    metrics = json.loads((other / "metrics.json").read_text())
    metrics["model"]["data"] = {"fingerprint": "another-dataset", "rows": 5}
    (other / "metrics.json").write_text(json.dumps(metrics))
    shutil.copytree(run, tmp_path / "runs" / "smoke")
    # one table per held-out data, named
    assert build_runs_index(tmp_path).read_text().count("held-out rows, fingerprint") == 2


def test_the_run_is_tracked_with_its_report_and_scores(smoke_run):
    "The smoke run logs to MLflow (here, beside the report tests, so one worker runs the pipeline once)."
    from mlflow.tracking import MlflowClient
    out = smoke_run[0].parent.parent
    client = MlflowClient(f"sqlite:///{out / 'mlflow.db'}")
    run = next(x for e in client.search_experiments() for x in client.search_runs([e.experiment_id])
               if x.info.run_name == "pipeline smoke")
    assert "model/macro_f1" in run.data.metrics and "baseline/tfidf_logreg/accuracy" in run.data.metrics
    files = {a.path for a in client.list_artifacts(run.info.run_id)}
    # the report, figures and the model card
    assert {"index.html", "metrics.json", "confusion.png", "README.md"} <= files
    # files stay in the output folder
    assert run.info.artifact_uri.startswith((out / "mlflow-artifacts").resolve().as_uri())
    assert (out / "mlflow-artifacts").is_dir() and not (ROOT / "mlruns").exists()


def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not exe:
        pytest.fail("Chromium is not installed: run make test (make services installs the Debian package "
                    "'chromium'), or apt-get install chromium")
    return exe


FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
         "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def test_report_renders_in_headless_chromium(smoke_run, tmp_path):
    run, _, _ = smoke_run
    exe = chromium()
    harness = tmp_path / "harness.html"
    harness.write_text(f"""<html><body style="margin:0"><pre id="out">pending</pre>
<iframe id="f" src="{(run / 'index.html').as_uri()}" style="width:1280px;height:900px;border:0"
  onload="check()"></iframe>
<script>function check() {{
  const d = document.getElementById('f').contentDocument, imgs = [...d.images];
  document.getElementById('out').textContent = JSON.stringify({{title: d.title, images: imgs.length,
    broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    overflow: d.documentElement.scrollWidth - d.documentElement.clientWidth,
    sections: d.querySelectorAll('section').length}});
}}</script></body></html>""")
    r = subprocess.run([exe, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=8000",
                        "--dump-dom", harness.as_uri()],
                       capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="out">(.*?)</pre>', r.stdout, re.S)
    assert found, r.stderr[-2000:]
    result = json.loads(found.group(1).replace("&amp;", "&"))
    assert result["title"] == "tweetsent run: smoke" and result["images"] >= 10 and result["broken"] == []
    assert result["overflow"] <= 0 and result["sections"] == len(SECTIONS)
    shot = tmp_path / "report.png"
    subprocess.run([exe, *FLAGS, f"--user-data-dir={tmp_path / 'profile2'}",
                    "--window-size=1280,2400", f"--screenshot={shot}",
                    (run / "index.html").as_uri()], capture_output=True, timeout=180)
    assert shot.exists() and shot.stat().st_size > 50_000          # a rendered page, not a blank one


def test_report_command_rebuilds_the_page_quietly(smoke_run):
    run, _, _ = smoke_run
    before = (run / "index.html").read_text()
    r = run_cli("report", "--run", run)
    assert r.returncode == 0 and r.stderr == "", r.stderr[-2000:]
    assert (run / "index.html").read_text().count("<section") == before.count("<section")
