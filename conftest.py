"""Project-wide pytest hooks.

Odoo *skips* a browser tour when Chromium or websocket-client is missing, and
a skipped tour passes silently. Here a skipped test is a failed test.
"""

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped tests count as failures here (is Chromium or websocket-client missing?): {reason}"
