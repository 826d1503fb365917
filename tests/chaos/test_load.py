"""Issue 6 item 3, the short load run of `make test` (the full one is `python -m bench.load`).

The panel under gunicorn (2 workers) and the mock as separate processes on loopback; customers and a bulk
reseller at once. It must hold: no 5xx, every answer as expected, no customer sees another's data, and the
mock ends with exactly the accounts the actions leave.
"""

from __future__ import annotations

from bench.load import SHORT, run


def test_the_panel_holds_under_concurrent_customers_and_bulk_hooks() -> None:
    result = run(SHORT)
    assert result.server_errors == 0, result.statuses
    assert result.unexpected == [] and result.leaks == [] and result.state_problems == []
    plan = SHORT
    per_customer = plan.rounds * 8 - 1  # 8 requests a round; the first round deletes nothing
    hooks = plan.bulk_accounts * plan.bulk_passes * 2
    assert result.requests == plan.customers * per_customer + hooks
    assert result.hook_results == {"success": hooks}
