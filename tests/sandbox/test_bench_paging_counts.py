"""The paging benchmark's call counts are exact: a full read costs ceil(N/page) GETs."""

from __future__ import annotations

import math

from bench.sdk_paging import bench_genesys, bench_twilio


def test_full_reads_cost_one_get_per_page_at_every_page_size() -> None:
    n = 230
    for measurement in [*bench_twilio(n, latency_ms=0), *bench_genesys(n, latency_ms=0)]:
        assert measurement.read == n, measurement
        assert measurement.calls == math.ceil(n / measurement.page_size), measurement
