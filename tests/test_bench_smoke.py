"""The benchmark's quick mode runs end to end and writes one well-formed table with every row (no timing checks)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ROWS = (
    "build from CSV, validation included",
    "bulk validation (library",
    "differential: compiled validator vs pyshacl",
    "re-import of the 1,000-row file",
    "single-card validation on submit (library",
    "API search",
    "API qualification",
    "API compare levels",
    "API compare qualifications",
    "/sparql, fixed mix of 5 query shapes (8 clients), result cache on",
    "/sparql, same mix, result cache on",
    "/sparql, fixed mix of 5 query shapes (8 clients), result cache off",
    "/sparql, same mix, result cache off",
    "peak RSS of `cnc-graph serve`",
    "page search (HTML",
    "page qualification (HTML",
    "page level (HTML",
    "page compare levels (HTML",
)


def test_quick_benchmark_writes_a_table_with_every_row(tmp_path: Path) -> None:
    assert shutil.which("wrk"), "wrk drives the HTTP load: apt-get install -y wrk (make test does)"
    assert shutil.which("oxigraph", path=str(Path(sys.executable).parent)), "the oxigraph CLI is a test dependency"
    out = tmp_path / "performance.md"
    command = [sys.executable, "-m", "bench.run", "--quick", "--duration", "1", "--budget", "600"]
    command += ["--out", str(out), "--work", str(tmp_path / "work")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3600)
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text(encoding="utf-8")
    table = [line for line in text.splitlines() if line.startswith("| ")]
    header, body = table[0], table[1:]
    assert header.count("|") == 7
    assert all(line.count("|") - line.count("\\|") == 7 for line in body)
    for label in ROWS:
        assert any(label in line for line in body), f"row « {label} » is missing"
    differential = next(line for line in body if "differential" in line)
    assert "bulk identical" in differential and "DIFFERENT" not in differential, differential
    cached = next(line for line in body if "/sparql, same mix, result cache on" in line)
    assert "hit ratio" in cached, cached  # X-CNC-Cache counted by wrk: the cache was in effect
    uncached = next(line for line in body if "/sparql, same mix, result cache off" in line)
    assert "the cache was not off" not in uncached and "hit ratio" not in uncached, uncached
    for page in (line for line in body if line.startswith("| page ")):
        assert "(0 errors)" in page and "× the JSON p95" in page, page  # every page answered, beside its JSON
    assert "## Run at N = 1,000" in text and "Python " in text and "pyshacl" in text
