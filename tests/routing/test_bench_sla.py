"""The SLA cluster bench's figures: percentiles of the deadline-to-action delays and the
issue's p99 target."""

import pytest

from bench.sla_bench import delay_report


def test_delay_report_percentiles_and_throughput():
    delays = [float(seconds) for seconds in range(1, 101)]  # 1 s .. 100 s

    report = delay_report(delays, seconds=50)

    assert report["count"] == 100
    assert (report["p50_s"], report["p90_s"], report["p99_s"], report["max_s"]) == (
        50.0,
        90.0,
        99.0,
        100.0,
    )
    assert report["p99_within_limit"] is False
    assert report["points_per_second"] == pytest.approx(2.0)


def test_delay_report_meets_the_minute_target():
    report = delay_report([12.0] * 99 + [75.0], seconds=10)

    assert report["p99_s"] == 12.0
    assert report["max_s"] == 75.0
    assert report["p99_within_limit"] is True


def test_delay_report_with_nothing_performed_fails_the_target():
    assert delay_report([], seconds=0) == {"count": 0, "p99_within_limit": False}
