"""A local dask cluster for the corpus-batch tests (import the fixture into the module)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a two-worker, in-process cluster (``--scheduler ADDRESS``), one per
    test module."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address
