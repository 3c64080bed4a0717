"""Property-based requests generated from our own OpenAPI document find no server error (bounded)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.servers import live_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("schemathesis") / "store"
    assert run_cli("build", "--store", str(store)).returncode == 0
    with live_server(store, env={"CNC_QUERY_TIMEOUT": "3"}) as url:
        yield url


def test_no_generated_request_gets_a_server_error(server: str, tmp_path: Path) -> None:
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or shutil.which("st")
    assert st, "schemathesis is a test dependency: pip install schemathesis"
    result = subprocess.run(
        [
            st,
            "run",
            f"{server}/openapi.json",
            "--url",
            server,
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "15",
            "--request-timeout",
            "20",
            "--generation-deterministic",
            "--no-color",
            "--phases",
            "examples,coverage,fuzzing",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
