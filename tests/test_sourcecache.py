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
    assert len(list((root / CACHE_DIR).glob("*.arrow"))) == len(fresh.ledgers)
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
    assert len(list((root / CACHE_DIR).glob("loans-*.arrow"))) == 1  # the stale entry is gone


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


def _entries(root):
    return sorted((root / CACHE_DIR).glob("*.arrow"))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "folder", "other_ledger"])
def test_a_damaged_entry_is_ignored_and_written_again(damage, tmp_path):
    """A cache entry that cannot be read back is a miss: the figures are the fresh ones, the entry is
    rewritten as a good one, and no temporary file is left."""
    root = copy_project(tmp_path)
    fresh = load_project(root, cache=False)
    load_project(root)
    entry = next(e for e in _entries(root) if e.name.startswith("loans-"))
    good = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(good[: len(good) // 2])
    elif damage == "garbage":
        entry.write_bytes(b"\x80\x04garbage" * 100)
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "folder":
        entry.unlink()
        (entry / "inside").mkdir(parents=True)
    else:  # a well-formed cache file of another ledger under this name
        entry.write_bytes(next(e for e in _entries(root) if e.name.startswith("dividends-")).read_bytes())
    again = load_project(root)
    pd.testing.assert_frame_equal(again.ledgers["loans"].frame, fresh.ledgers["loans"].frame)
    assert entry.is_file() and entry.read_bytes() != b""
    assert not list((root / CACHE_DIR).glob("*.tmp"))
    cached = load_project(root)  # and the rewritten entry serves the next run
    pd.testing.assert_frame_equal(cached.ledgers["loans"].frame, fresh.ledgers["loans"].frame)


def test_every_column_type_comes_back_as_read(tmp_path):
    """Bools with and without gaps, dates, whole and fractional numbers: the same dtypes and values."""
    root = copy_project(tmp_path)
    fresh = load_project(root, cache=False)
    load_project(root)
    cached = load_project(root)
    for name, ledger in fresh.ledgers.items():
        assert dict(cached.ledgers[name].frame.dtypes) == dict(ledger.frame.dtypes), name
        assert cached.ledgers[name].encoding == ledger.encoding


def test_a_same_size_change_right_after_reading_is_read_again(tmp_path):
    """The cache trusts a file's size and mtime only when it was modified well before it was hashed."""
    root = copy_project(tmp_path)
    load_project(root)
    ledger = root / "data" / "loans.csv"
    text = ledger.read_text(encoding="utf-8")
    last = text.rstrip("\n").rsplit(",", 1)
    amount = last[1][:-1] + ("1" if last[1][-1] != "1" else "2")  # one digit changed: same size
    changed = f"{last[0]},{amount}\n"
    assert len(changed.encode()) == len(text.encode()) and changed != text
    ledger.write_text(changed, encoding="utf-8")
    again = load_project(root)
    assert again.ledgers["loans"].frame.iloc[-1, -1] == int(amount)


def test_a_ledger_breaking_its_unique_rule_is_refused_on_every_run(tmp_path):
    """The cache skips the unique rules only for a ledger they held for when it was read."""
    root = copy_project(tmp_path)
    assert all(ledger.unique_held for ledger in load_project(root).ledgers.values() if ledger.spec.unique)
    assert all(ledger.unique_held for ledger in load_project(root).ledgers.values() if ledger.spec.unique)
    ledger = root / "data" / "dibao_payments.csv"
    lines = ledger.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    again = lines[-1].split(",")
    again[header.index("发放编号")] += "-2"  # a new payment, same household and month
    ledger.write_text("\n".join([*lines, ",".join(again)]) + "\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(SourceError, match="the same 户编号 in"):
            load_project(root)
