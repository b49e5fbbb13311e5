"""Wall time of the two README commands on this machine (venv already present, so no install is timed)."""
import subprocess
import time

from run import ROOT, header


def timed(cmd: list[str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start, r.returncode, (r.stdout + r.stderr).strip().splitlines()[-1:]


def run() -> str:
    rows = []
    for cmd in (["make", "run"], ["make", "test"]):
        seconds, rc, last = timed(cmd)
        rows.append(f"| `{' '.join(cmd)}` | {seconds / 60:.1f} min | {rc} | {last[0] if last else ''} |")
    return (header("Pipeline wall time", "python bench/run.py pipeline")
            + "| command | wall time | exit | last line |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")
