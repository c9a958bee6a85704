"""`make bench` keeps working: the whole bench on a tiny dataset, for a few seconds.

It asserts the report has every endpoint and the figures it promises, never a speed. To stay
short (under 30 s) it drives four endpoints at a time (`--parallel 4`) for one second each.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.bench


def test_bench_produces_the_table(tmp_path):
    if shutil.which("wrk") is None:
        if os.environ.get("CI"):
            pytest.fail("wrk is missing: under CI the bench smoke test must run")
        pytest.skip("wrk is missing (make bench-deps installs it)")
    out = tmp_path / "results"
    database = ["--db", "sqlite"]
    if os.environ.get("TEST_DATABASE_URL"):  # the suite's PostgreSQL pass: the bench's too
        database = ["--db", "postgresql", "--pg-url", os.environ["TEST_DATABASE_URL"]]
    done = subprocess.run(  # noqa: S603 (our own script)
        [
            sys.executable, str(ROOT / "bench" / "run.py"), *database, "--no-cache",
            "--requests", "300", "--runs", "1", "--duration", "1", "--warmup", "0",
            "--connections", "4", "--verify-each", "2", "--parallel", "4", "--renders", "2",
            "--data-dir", str(tmp_path / "data"), "--out", str(out),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = (out / "latest.md").read_text()
    data = json.loads((out / "latest.json").read_text())
    from bench.run import ENDPOINTS

    for endpoint in ENDPOINTS:
        assert f"| {endpoint.title if endpoint.key != 'inbox_deep' else 'Inbox, page'}" in table
    rows = {row["key"]: row for row in data["endpoints"]}
    assert set(rows) == {e.key for e in ENDPOINTS}
    for key, row in rows.items():
        assert row["rps"] > 0, key
        if key not in ("page", "hello", "post_request"):
            assert row["sql"], key  # counted
    assert rows["poll_304"]["status"] == 304
    for key in ("round_page", "library_search", "insights", "insights_review"):
        assert rows[key]["status"] == 200, key
    assert rows["insights"]["server_time"]["median_ms"] > 0
    assert "Team dashboard, monthly (coach): server time" in table
    assert rows["post_request"]["verify"]["exactly_once"]
    assert data["worker_rss_mb"]["onestop"] > 0
    assert data["first_load"]["bytes"] > data["first_load"]["parts"]["html"]
    assert "Peak worker RSS" in table and "Inbox first load" in table
