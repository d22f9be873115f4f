"""Browser: a fresh server survives a class's first minute — every page and every scenario link opened at the same
moment, each in a tab of its own, before anyone has warmed the server up (issue 11).

The server is this test's own (the session's shared ``server`` has been warmed by other tests). A first run that
races another on something imported or built on first use shows an ``stException`` element, or app.py's plain
fallback message, or leaves a traceback in the server's log; none of them may appear.
"""

from __future__ import annotations

from tests.browser.conftest import burst_targets, fresh_server, run_cold_burst
from tests.load.client import server_problems


def test_simultaneous_first_loads_on_a_fresh_server(chromium_path):
    targets = burst_targets()
    with fresh_server() as server:
        loads = run_cold_burst(server.base_url, targets, chromium=chromium_path)
        log = server_problems(server.log)
    assert [load.target for load in loads] == [target for target, _ in targets]
    assert not [load for load in loads if load.error], "loads that could not be checked"
    assert sum(load.exceptions for load in loads) == 0, [load.target for load in loads if load.exceptions]
    assert sum(load.fallbacks for load in loads) == 0, [load.target for load in loads if load.fallbacks]
    assert not log, "\n\n".join(log)
    assert all(load.first_figure is not None for load, (_, chart) in zip(loads, targets) if chart)
