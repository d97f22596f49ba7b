"""The same batch on a Dask distributed cluster (a real LocalCluster) writes the same files as locally."""

from __future__ import annotations

import pytest
from conftest import files_apart_from_timestamps

from reportgen.batch.run import run_batch
from reportgen.batch.units import select_units
from reportgen.engine.project import load_project

distributed = pytest.importorskip("distributed")


def test_a_batch_on_a_local_cluster_writes_what_the_local_batch_writes(county_root, tmp_path):
    project = load_project(county_root)
    units = select_units(project.registry, "城厢镇") + select_units(project.registry, "全南县")
    periods = ["2023Q1"]
    local = run_batch(project, units, periods, tmp_path / "local", workers=2, show=lambda _line: None)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        remote = run_batch(project, units, periods, tmp_path / "dask", scheduler=client, show=lambda _line: None)
        assert len(client.scheduler_info()["workers"]) == 2
    assert local.failed == remote.failed == []
    written = sorted(p.relative_to(tmp_path / "local") for p in (tmp_path / "local").rglob("*") if p.is_file())
    assert written == sorted(p.relative_to(tmp_path / "dask") for p in (tmp_path / "dask").rglob("*")
                             if p.is_file())
    documents = [p for p in written if p.suffix in (".docx", ".pdf", ".html", ".json")]
    assert len(documents) == len(periods) * (7 + 4)  # 城厢镇: 3 formats × 2 documents + figures.json; county: 3 + 1
    for path in documents:
        assert files_apart_from_timestamps(tmp_path / "dask" / path) == \
            files_apart_from_timestamps(tmp_path / "local" / path), path
