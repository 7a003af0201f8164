import pytest

from tests.reporting.hand_built import busy_report


@pytest.fixture
def served_report(monkeypatch):
    """Serve a hand-built report (`busy_report` unless told otherwise) for whatever period and
    team a page asks for, and remember what it asked."""
    asked: list[dict] = []

    def serve(build=busy_report):
        def report_for_period(*, period, team, as_of=None, with_history=True):
            asked.append({"period": period, "team": team})
            return build(period, team=team.name if team else None)

        monkeypatch.setattr(
            "reporting.selectors.report_for_period", report_for_period, raising=False
        )
        return asked

    return serve


# The ownership personas (a manager of team A, two of its reps, a rep and the manager of
# team B, staff) are routing's; the report pages are tested with the same people.
from tests.routing.conftest import give, personas  # noqa: E402, F401
