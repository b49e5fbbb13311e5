"""Wall time of the two README commands on this machine. The venv is present (installing it on a fresh clone is timed
separately by CI); `make run` writes into an empty out_dir, so nothing is cached and the tuning study starts empty."""
import subprocess
import tempfile
import time

from run import ROOT, header


def timed(cmd: list[str]) -> tuple[float, int, str]:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    # stdout: the report path, pytest's summary
    return time.perf_counter() - start, r.returncode, r.stdout.strip().splitlines()[-1:]


def run() -> str:
    rows = []
    fresh = tempfile.mkdtemp(prefix="tweetsent-bench-")
    for cmd in (["make", "run", f"SET=out_dir={fresh}"], ["make", "test"]):
        seconds, rc, last = timed(cmd)
        rows.append(f"| `{' '.join(cmd)}` | {seconds / 60:.1f} min | {rc} | "
                    f"{(last[0] if last else '').replace('|', '/')} |")
    return (header("Pipeline wall time", "python bench/run.py pipeline")
            + "| command | wall time | exit | last line |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")
