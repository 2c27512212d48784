"""Project-wide pytest hooks.

Odoo *skips* a browser tour when Chromium or websocket-client is missing, and
a skipped tour passes silently. Here a skipped test is a failed test.

OCA queue_job's runner starts with any Odoo HTTP server whose configuration loads
queue_job (``server_wide_modules``), the test process's own included. Tests trap their
jobs (``trap_jobs``); a runner in the test process would run, in test mode, the jobs
that the end-to-end tests leave to their real server. Its capacity is 0 here; the
servers the end-to-end tests start run their own runner (tests/e2e/conftest.py).
"""

import os

import pytest

RUNNER_CHANNELS_VARIABLE = "ODOO_QUEUE_JOB_CHANNELS"
os.environ[RUNNER_CHANNELS_VARIABLE] = "root:0"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped tests count as failures here (is Chromium or websocket-client missing?): {reason}"
