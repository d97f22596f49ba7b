"""Declared rules on the demo's ledgers: one payment per household and month, upper bounds, windows
without rows, and the days a ledger records bounding the periods a build accepts."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import REPO, copy_project

from reportgen.cli import main
from reportgen.engine.constraints import check_ledgers
from reportgen.engine.project import Project, evaluate, load_project
from reportgen.errors import PeriodError, SourceError

CORPUS = Path(__file__).parent / "corpus"


def _csv(path: Path) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return lines[0].split(","), [line.split(",") for line in lines[1:]]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.write_text("\n".join(",".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")


def _run(capsys, root: Path, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _without_unique(root: Path, source: str) -> None:
    registry = root / "figures.yaml"
    text = registry.read_text(encoding="utf-8")
    start = text.index(f"\n  {source}:\n")
    block = text[start:text.index("\n\n", start)]
    registry.write_text(text.replace(block, re.sub(r"\n    unique:[^\n]*(\n      - [^\n]*)+", "", block)),
                        encoding="utf-8")


def _cutoff_month(project) -> str:
    return project.timeframe().cutoff.replace(day=1).isoformat()


def test_the_demo_h1_build_warns_of_nothing(h1_build):
    payload = json.loads((h1_build.folder / "figures.json").read_text(encoding="utf-8"))
    assert payload["warnings"] == [] and h1_build.warnings == ()


def test_a_household_paid_twice_in_one_month_is_refused(repo_project, tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    path = root / "data" / "dibao_payments.csv"
    header, rows = _csv(path)
    month = _cutoff_month(repo_project)
    paid = [r for r in rows if r[header.index("发放月份")] == month]
    again = list(paid[0])
    again[header.index("发放编号")] += "-2"
    _write(path, header, [*rows, again])
    household, people = again[header.index("户编号")], int(again[header.index("保障人数")])

    # What the declaration prevents: without it, the household's people are counted twice.
    unchecked = tmp_path / "unchecked"
    shutil.copytree(root, unchecked)
    _without_unique(unchecked, "dibao_payments")
    code, out, err = _run(capsys, unchecked, "figures", "--format", "json")
    assert code == 0, err
    miscounted = json.loads(out)["figures"]["dibao_people"]["value"]
    assert miscounted == repo_project_value(repo_project, "dibao_people") + people

    code, _, err = _run(capsys, root, "figures")
    assert code == 2
    row = len(rows) + 2
    first = 2 + rows.index(paid[0])
    assert (f"data/dibao_payments.csv row {row} 户编号: the same 户编号 in {month[:7]} twice (first in row {first})"
            in err), err
    assert f"got '{household}'" in err and "one row per 户编号 per month of 发放月份" in err


def repo_project_value(project, fid: str):
    return evaluate(project, project.timeframe(), strict=False).figures[fid].value


def test_an_id_number_typed_as_an_amount_is_refused_by_its_bound(repo_project, tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    path = root / "data" / "dibao_payments.csv"
    header, rows = _csv(path)
    rows[-1][header.index("发放金额")] = "110101199003074514"
    _write(path, header, rows)
    bound = repo_project.registry.sources["dibao_payments"].columns["发放金额"].max
    code, out, err = _run(capsys, root, "figures")
    assert code == 2 and out == ""
    assert f"data/dibao_payments.csv row {len(rows) + 1} 发放金额" in err
    assert f"a number at most {bound:g}" in err
    assert "110101199003074514" not in err and "万元" not in err


def test_a_month_without_payments_is_refused_where_the_source_must_not_be_empty(repo_project, tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    path = root / "data" / "dibao_payments.csv"
    header, rows = _csv(path)
    month = _cutoff_month(repo_project)
    _write(path, header, [r for r in rows if r[header.index("发放月份")] != month])
    end = repo_project.timeframe().cutoff.isoformat()
    code, _, err = _run(capsys, root, "figures")
    assert code == 2
    assert f"data/dibao_payments.csv: no rows in window month ({month} to {end})" in err, err
    assert "sources.dibao_payments.not_empty" in err and "dibao_households" in err


def test_a_window_without_rows_is_a_warning_in_the_build_output_and_figures_json(tmp_path, capsys):
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "_base", root)
    shutil.copy(CORPUS / "window_without_rows_warns" / "figures.yaml", root / "figures.yaml")
    shutil.copy(REPO / "templates" / "style.css", root / "templates" / "style.css")
    code, out, err = _run(capsys, root, "build")
    assert code == 0, err
    warning = "data/people.csv: no rows in window month (2023-05-01 to 2023-05-31)"
    assert f"warning: {warning}" in err
    payload = json.loads((root / "output" / "2023H1" / "figures.json").read_text(encoding="utf-8"))
    assert len(payload["warnings"]) == 1 and payload["warnings"][0].startswith(warning)
    assert "monthly_people" in payload["warnings"][0] and payload["figures"]["monthly_people"]["value"] == 0


def test_a_row_dated_after_today_is_refused(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "_base", root)
    project = load_project(root, cache=False)
    dates = project.ledgers["people"].frame["纳入日期"]
    latest = dates.max().date()
    check_ledgers(project.ledgers, today=latest)  # the day itself is recorded
    with pytest.raises(SourceError) as caught:
        check_ledgers(project.ledgers, today=latest - dt.timedelta(days=1))
    row = int(dates.idxmax())
    assert f"data/people.csv row {row} 纳入日期: a date after the last day the ledger records" in str(caught.value)
    assert f"(today); got '{latest}'" in str(caught.value)


def test_the_periods_accepted_end_at_the_declared_until_or_today(repo_project):
    until = min(s.dates.until for s in repo_project.registry.sources.values())
    last_quarter = f"{until.year}Q{(until.month - 1) // 3 + 1}"
    assert repo_project.timeframe(last_quarter).cutoff <= until
    with pytest.raises(PeriodError, match=r"records days up to .*dates\.until"):
        repo_project.timeframe(f"{until.year + 1}Q1")
    undeclared = {name: lg.__class__(**{**lg.__dict__, "spec": lg.spec.model_copy(update={"dates": None})})
                  for name, lg in repo_project.ledgers.items()}
    today = dt.date(until.year + 1, 5, 15)
    later = Project(repo_project.root, repo_project.registry, undeclared, today=today)
    assert later.timeframe(f"{today.year}Q1").cutoff == dt.date(today.year, 3, 31)  # past the latest row
    with pytest.raises(PeriodError, match=f"after today \\({today}\\)"):
        later.timeframe(f"{today.year}H1")


def test_a_row_dated_years_ahead_is_refused_not_a_period_of_zeros(tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    path = root / "data" / "welfare_job_payments.csv"
    header, rows = _csv(path)
    rows[0][header.index("发放月份")] = "2030-01-01"
    _write(path, header, rows)
    code, out, err = _run(capsys, root, "figures", "--period", "2029H1")
    assert code == 2 and out == ""
    assert "data/welfare_job_payments.csv row 2 发放月份: a date after the last day the ledger records" in err
    assert "got '2030-01-01'" in err


@pytest.mark.parametrize("first, second, apart, together", [
    ("2023-01-01", "2023-01-01", (), ("day", "month", "quarter", "half", "year")),
    ("2023-01-01", "2023-03-31", ("day", "month"), ("quarter", "half", "year")),
    ("2023-03-31", "2023-04-01", ("day", "month", "quarter"), ("half", "year")),
    ("2023-06-30", "2023-07-01", ("day", "month", "quarter", "half"), ("year",)),
    ("2022-12-31", "2023-01-01", ("day", "month", "quarter", "half", "year"), ()),
])
def test_unique_within_each_kind_of_window(first, second, apart, together, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "_base", root)
    (root / "data" / "people.csv").write_text(
        f"编号,姓名,村,纳入日期,人数,金额,是否劳动力\nP1,张某01,甲村,{first},1,0,是\nP2,张某01,乙村,{second},1,0,是\n",
        encoding="utf-8")
    project = load_project(root, cache=False)
    for per in apart + together:
        spec = project.ledgers["people"].spec
        rule = {"columns": ("姓名",), "date": "纳入日期", "per": per}
        ledger = project.ledgers["people"].__class__(
            **{**project.ledgers["people"].__dict__, "spec": spec.model_validate({**spec.model_dump(by_alias=True),
                                                                                 "unique": [rule]})})
        if per in apart:
            check_ledgers({"people": ledger}, today=dt.date(2024, 1, 1))
        else:
            with pytest.raises(SourceError, match=f"row 3 姓名: the same 姓名 in .* twice .*per {per}"):
                check_ledgers({"people": ledger}, today=dt.date(2024, 1, 1))


def test_a_time_of_day_on_the_last_day_recorded_is_within_it(tmp_path):
    root = tmp_path / "project"
    shutil.copytree(CORPUS / "_base", root)
    project = load_project(root, cache=False)
    ledger = project.ledgers["people"]
    latest = ledger.frame["纳入日期"].max()
    frame = ledger.frame.copy()
    frame.loc[frame["纳入日期"] == latest, "纳入日期"] = latest + dt.timedelta(hours=14, minutes=30)
    timed = ledger.__class__(**{**ledger.__dict__, "frame": frame})
    check_ledgers({"people": timed}, today=latest.date())
    with pytest.raises(SourceError, match="after the last day"):
        check_ledgers({"people": timed}, today=latest.date() - dt.timedelta(days=1))
