"""Wall time of the README's two commands as a newcomer runs them: a fresh clone of this checkout's HEAD in a temporary
folder, nothing there yet, `make run` (the venv installed, then the eight stages on the default params, nothing cached)
and then `make test` (its services made ready, then every test). Each stage's time comes from the run's run.json.
Run it on an idle machine: two torch jobs at once on 2 cores slow each other several-fold."""
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from run import ROOT, header


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, list[str]]:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, r.returncode, (r.stdout + r.stderr).strip().splitlines()


def run() -> str:
    fresh = Path(tempfile.mkdtemp(prefix="tweetsent-bench-")) / "tweetsent"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(fresh)], check=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=fresh, capture_output=True,
                            text=True).stdout.strip()
    rows, lines = [], {}
    for cmd in (["make", "run"], ["make", "test"]):
        seconds, rc, lines[cmd[1]] = timed(cmd, fresh)
        last = next((line for line in reversed(lines[cmd[1]]) if line.strip()), "")
        rows.append(f"| `{' '.join(cmd)}` | {seconds / 60:.1f} min | {rc} | {last.replace('|', '/')} |")
    record = json.loads(next((fresh / "outputs" / "runs").glob("*/run.json")).read_text())
    stages = " · ".join(f"{name} {s:.0f} s" for name, s in record["stages"].items())
    printed = "\n".join(f"    {line}" for line in lines["run"])
    failed = [line for line in lines["test"] if line.startswith(("FAILED", "ERROR"))]
    durations = [line for line in lines["test"] if " call " in line or " setup " in line][:10]
    shutil.rmtree(fresh.parent)
    return (header("Pipeline wall time", "python bench/run.py pipeline")
            + f"A fresh clone of {commit}, nothing installed in it: `make run` includes creating .venv; `make test` "
              "includes `make services` (Chromium and PostgreSQL were already installed on this machine, so their "
              "one-time apt-get install, about 30 s, is not in the figure).\n\n"
            + "| command | wall time | exit | last line |\n|---|---|---|---|\n" + "\n".join(rows) + "\n\n"
            + f"Stages of `make run`: {stages}.\n\nEverything `make run` printed:\n\n{printed}\n\n"
            + ("`make test` failed:\n\n" + "\n".join(f"    {line}" for line in failed) + "\n\n" if failed else "")
            + "The slowest tests:\n\n" + "\n".join(f"    {line}" for line in durations) + "\n")
