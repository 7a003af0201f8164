"""The release bench's verdicts: the spread of leads over reps, and urgent leads first."""

from bench.release_bench import spread, urgent_first


def test_spread_counts_a_rep_without_leads_as_zero():
    assert spread({1: 100, 2: 100}, reps=2) == 0
    assert spread({1: 101, 2: 100}, reps=2) == 1
    assert spread({1: 3, 2: 3}, reps=3) == 3


def test_urgent_first_holds_only_when_every_urgent_lead_precedes_every_other():
    assert urgent_first(["urgent", "urgent", "normal", "high"])
    assert urgent_first(["normal", "normal"])
    assert not urgent_first(["urgent", "normal", "urgent"])
