"""What every benchmark of tests/perf shares: printing its figures past pytest's capture."""

import sys

import pytest


class PerfOutput:
    """Mixin for the benchmark test cases: ``self._say(line)`` prints ``[perf] line`` on the
    terminal even though pytest captures the output, so a normal run shows the figures."""

    @pytest.fixture(autouse=True)
    def _terminal(self, capsys):
        self._capsys = capsys

    def _say(self, line=""):
        with self._capsys.disabled():
            sys.stdout.write(f"[perf] {line}\n")
            sys.stdout.flush()
