"""A change to one ledger row moves exactly the figures that depend on it; a broken one fails a check."""

from __future__ import annotations

import csv

import pytest
from conftest import copy_project

from reportgen.engine.project import evaluate, load_project
from reportgen.errors import CheckFailed


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def test_one_more_dibao_household_moves_exactly_its_figures(tmp_path, repo_project):
    before = evaluate(repo_project, repo_project.timeframe()).figures
    cutoff = before.timeframe.cutoff
    root = copy_project(tmp_path)
    ledger = root / "data" / "dibao_payments.csv"
    rows = _rows(ledger)
    header = rows[0]
    paid_in_cutoff_month = [r for r in rows[1:] if r[header.index("发放月份")].startswith(cutoff.strftime("%Y-%m"))]
    template = dict(zip(header, paid_in_cutoff_month[0], strict=True))
    per_person = float(template["发放金额"]) / int(template["保障人数"])
    new = {**template, "发放编号": "TEST-NEW-0001", "户编号": "H-TEST-NEW", "户主姓名": "测试某",
           "保障人数": "2", "发放金额": f"{per_person * 2:g}"}
    rows.append([new[c] for c in header])
    _write(ledger, rows)

    project = load_project(root)
    after = evaluate(project, project.timeframe()).figures
    changed = {fid for fid in before.figures if before[fid].value != after[fid].value}
    assert changed == {"dibao_households", "dibao_people", "dibao_monthly_amount", "dibao_amount"}
    assert after["dibao_amount"].value == pytest.approx(before["dibao_amount"].value + per_person * 2)
    assert after["dibao_households"].value == before["dibao_households"].value + 1
    assert after["dibao_people"].value == before["dibao_people"].value + 2
    assert after["dibao_monthly_amount"].value == pytest.approx(before["dibao_monthly_amount"].value + per_person * 2)
    assert after.data_sha256 != before.data_sha256


def test_a_missing_payment_row_breaks_the_check_with_both_values(tmp_path, repo_project):
    before = evaluate(repo_project, repo_project.timeframe()).figures
    month = before.timeframe.cutoff.strftime("%Y-%m")
    root = copy_project(tmp_path)
    ledger = root / "data" / "welfare_job_payments.csv"
    rows = _rows(ledger)
    at = next(i for i, r in enumerate(rows) if i and r[rows[0].index("发放月份")].startswith(month))
    del rows[at]
    _write(ledger, rows)

    project = load_project(root)
    with pytest.raises(CheckFailed) as err:
        evaluate(project, project.timeframe())
    message = str(err.value)
    posted = before["welfare_jobs_in_month"].value
    assert "welfare_jobs_paid_as_posted" in message
    assert f"welfare_jobs_paid_in_month = {posted - 1}" in message
    assert f"welfare_jobs_in_month = {posted}" in message
    assert "figures.yaml:" in message
