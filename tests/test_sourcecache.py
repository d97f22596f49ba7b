"""The ledger cache: same frames as a fresh read, invalidated by any change of bytes or declaration."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from conftest import copy_project

from reportgen.engine.project import CACHE_DIR, evaluate, load_project
from reportgen.errors import SourceError


def test_cached_ledgers_equal_a_fresh_read_and_give_the_same_figures(tmp_path):
    root = copy_project(tmp_path)
    fresh = load_project(root, cache=False)
    assert not (root / CACHE_DIR).exists()
    first = load_project(root)  # reads and fills the cache
    assert len(list((root / CACHE_DIR).glob("*.pickle"))) == len(fresh.ledgers)
    cached = load_project(root)
    for name, ledger in fresh.ledgers.items():
        pd.testing.assert_frame_equal(cached.ledgers[name].frame, ledger.frame)
        assert cached.ledgers[name].sha256 == ledger.sha256 == first.ledgers[name].sha256
    assert evaluate(cached, cached.timeframe()).figures.values() == evaluate(fresh, fresh.timeframe()).figures.values()


def test_a_changed_file_is_read_again(tmp_path):
    root = copy_project(tmp_path)
    load_project(root)
    ledger = root / "data" / "loans.csv"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    del lines[1]
    ledger.write_text("\n".join(lines) + "\n", encoding="utf-8")
    again = load_project(root)
    assert len(again.ledgers["loans"].frame) == len(lines) - 1
    assert len(list((root / CACHE_DIR).glob("loans-*.pickle"))) == 1  # the stale entry is gone


def test_a_changed_declaration_is_checked_again(tmp_path):
    root = copy_project(tmp_path)
    load_project(root)
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    # Tighten a bound: the cached, once valid ledger must not hide the new problem.
    text, changed = re.subn(r"      金额: \{type: number, min: 0(, max: \d+)?\}", "      金额: {type: number, min: 0, max: 1}",
                            text, count=1)
    assert changed
    registry.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError, match="at most 1"):
        load_project(root)


def test_a_failed_load_caches_nothing(tmp_path):
    root = copy_project(tmp_path)
    ledger = root / "data" / "loans.csv"
    ledger.write_text(ledger.read_text(encoding="utf-8") + "X,H1,某,龙下村,not-a-date,1\n", encoding="utf-8")
    with pytest.raises(SourceError):
        load_project(root)
    assert not (root / CACHE_DIR).exists()
