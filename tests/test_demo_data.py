"""The demo ledgers are exactly what scripts/make_demo_data.py writes: anyone can rerun it."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_generator_reproduces_the_committed_ledgers(tmp_path):
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_demo_data.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    committed = sorted(p.name for p in (REPO / "data").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (REPO / "data" / name).read_bytes(), name
