"""Write the synthetic demo ledgers of 龙下乡 (2022-01-01 to 2023-12-31) into data/, deterministically."""

from __future__ import annotations

import argparse
from pathlib import Path

from demo_data import assets, assistance, livelihood, population, relocation
from demo_data.common import Identities, rng_for, write_csv, write_xlsx

SEED = 20230731
DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def build(seed: int = SEED) -> dict[str, tuple[list[str], list[list]]]:
    """Every ledger as (header, rows), keyed by its file name in data/."""
    ids = Identities(rng_for(seed, "identities"))
    people = population.build_population(rng_for(seed, "population"), ids)
    students = assistance.choose_students(rng_for(seed, "students"), people)
    population.assign_work(rng_for(seed, "work"), people, assistance.school_pids(students))
    jobs, job_payments = livelihood.welfare_job_rows(rng_for(seed, "welfare_jobs"), ids, people)
    local_jobs = livelihood.welfare_holder_pids(jobs, people)
    stations, solar_income = assets.solar_rows(rng_for(seed, "solar"))
    return {
        "population.xlsx": (population.HEADER, population.population_rows(people)),
        "warnings.csv": (assistance.WARNINGS_HEADER,
                         assistance.warning_rows(rng_for(seed, "warnings"), ids, people)),
        "education_grants.csv": (assistance.EDUCATION_HEADER, assistance.education_rows(students)),
        "chronic_certifications.csv": (assistance.CHRONIC_HEADER,
                                       assistance.chronic_rows(rng_for(seed, "chronic"), people)),
        "dibao_payments.csv": (assistance.DIBAO_HEADER, assistance.dibao_rows(rng_for(seed, "dibao"), people)),
        "disability.csv": (assistance.DISABILITY_HEADER,
                           assistance.disability_rows(rng_for(seed, "disability"), ids, people)),
        "relocation.csv": (relocation.HEADER,
                           relocation.relocation_rows(rng_for(seed, "relocation"), ids, people)),
        "industry_subsidies.csv": (livelihood.INDUSTRY_HEADER,
                                   livelihood.industry_subsidy_rows(rng_for(seed, "industry"), people)),
        "solar_stations.csv": (assets.STATIONS_HEADER, stations),
        "solar_income.csv": (assets.INCOME_HEADER, solar_income),
        "dividends.csv": (assets.DIVIDENDS_HEADER, assets.dividend_rows(rng_for(seed, "dividends"))),
        "welfare_jobs.csv": (livelihood.WELFARE_JOBS_HEADER, jobs),
        "welfare_job_payments.csv": (livelihood.WELFARE_PAYMENTS_HEADER, job_payments),
        "transport_subsidies.csv": (livelihood.TRANSPORT_HEADER,
                                    livelihood.transport_rows(rng_for(seed, "transport"), people, local_jobs)),
        "loans.csv": (livelihood.LOANS_HEADER, livelihood.loan_rows(rng_for(seed, "loans"), people)),
        "projects.xlsx": (assets.PROJECTS_HEADER, assets.project_rows()),
    }


SHEETS = {"population.xlsx": "脱贫人口台账", "projects.xlsx": "项目台账"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder to write into (default: data/)")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for file, (header, rows) in build(args.seed).items():
        if file.endswith(".xlsx"):
            write_xlsx(args.out / file, SHEETS[file], header, rows)
        else:
            write_csv(args.out / file, header, rows)
        print(f"{file}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
