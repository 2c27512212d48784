"""A real Odoo server for end-to-end tests that talk HTTP.

The server runs in its own process on a free loopback port, against the
database the test command created (the one given to pytest-odoo), so these
tests see the committed demo data exactly as a browser would.
"""

import os
import socket
import subprocess
import sys
import time
import xmlrpc.client
from urllib.parse import urlparse

import psycopg2.sql
import pytest
import requests

import odoo

SERVER_START_TIMEOUT = 120


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_server(request, label, extra_args):
    """Start ``odoo server`` on the test database, yield its base URL, stop it afterwards.

    :param str label: names the log file and the failures (``e2e``, ``e2e-prefork``)
    :param list extra_args: more command-line options (workers, ports)
    """
    config = request.config.getoption("--odoo-config")
    database = request.config.getoption("--odoo-database")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "odoo",
        "server",
        f"--config={config}",
        f"--database={database}",
        f"--db-filter=^{database}$",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        "--max-cron-threads=0",
        "--log-level=warn",
        *extra_args,
    ]
    log_path = os.path.join(os.path.dirname(config), f"{label}-{database}.log")
    with open(log_path, "wb") as log:
        # The server runs its own job runner, as configured (the test process has none: ../../conftest.py).
        environment = {key: value for key, value in os.environ.items() if key != "ODOO_QUEUE_JOB_CHANNELS"}
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment)
    base_url = f"http://127.0.0.1:{port}"
    # Logging in as an administrator rewrites web.base.url to this server's
    # address; put it back afterwards for the tests that follow (PDF reports).
    saved_base_url = _get_base_url(database)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"Odoo server ({label}) exited with {process.returncode}; log: {log_path}")
            try:
                if requests.get(f"{base_url}/web/health", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                # Not listening yet, or listening while the registry still loads (a busy machine).
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"Odoo server ({label}) did not answer within {SERVER_START_TIMEOUT}s; log: {log_path}")
            time.sleep(0.5)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        _set_base_url(database, saved_base_url)


@pytest.fixture(scope="session")
def odoo_server(request):
    """Start ``odoo server`` (threaded) and yield its base URL; stop it afterwards."""
    yield from _run_server(request, "e2e", ["--workers=0"])


def _get_base_url(database):
    with odoo.sql_db.db_connect(database).cursor() as cr:
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = 'web.base.url'")
        row = cr.fetchone()
    return row and row[0]


def _set_base_url(database, value):
    if value:
        with odoo.sql_db.db_connect(database).cursor() as cr:
            cr.execute("UPDATE ir_config_parameter SET value = %s WHERE key = 'web.base.url'", [value])


class JsonRpcSession:
    """A logged-in browser-like session speaking Odoo's JSON-RPC."""

    def __init__(self, base_url, database):
        self.base_url = base_url
        self.database = database
        self.http = requests.Session()
        self._request_id = 0

    def call(self, path, **params):
        self._request_id += 1
        response = self.http.post(
            f"{self.base_url}{path}",
            json={"jsonrpc": "2.0", "method": "call", "id": self._request_id, "params": params},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def authenticate(self, login, password):
        return self.call("/web/session/authenticate", db=self.database, login=login, password=password)

    def get_page(self, path, *expected):
        """GET ``path`` without following redirections and check that it is the page itself.

        A server answers a page that needs a login with a redirection to ``/web/login``,
        which ``requests`` would follow to a 200: that is a failure here, not a page.

        :param str path: the page, e.g. ``/my/wallets``
        :param str expected: texts the page must show (the user's name, a heading)
        :return: the response
        """
        response = self.http.get(f"{self.base_url}{path}", timeout=30, allow_redirects=False)
        assert response.status_code == 200, f"{path}: {response.status_code} to {response.headers.get('Location')}"
        assert 'name="login"' not in response.text, f"{path}: the login page"
        for text in expected:
            assert text in response.text, f"{path}: {text!r} not on the page"
        return response

    def call_kw(self, model, method, args, kwargs=None):
        return self.call(
            f"/web/dataset/call_kw/{model}/{method}", model=model, method=method, args=args, kwargs=kwargs or {}
        )


@pytest.fixture
def rpc(odoo_server, request):
    """A fresh, anonymous JSON-RPC session on the running server."""
    return JsonRpcSession(odoo_server, request.config.getoption("--odoo-database"))


# ------------------------------------------------------------
# A production-like server: prefork workers, spoken to over XML-RPC
# ------------------------------------------------------------


@pytest.fixture(scope="session")
def odoo_prefork_server(request):
    """Start ``odoo server`` with two prefork workers (as in production) on the test
    database; yield its base URL; stop it afterwards."""
    yield from _run_server(
        request, "e2e-prefork", ["--workers=2", f"--gevent-port={_free_port()}", "--limit-time-real=300"]
    )


class _TimeoutTransport(xmlrpc.client.Transport):
    """XML-RPC over HTTP with a timeout: a prefork worker loads the registry on its first call."""

    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


class XmlRpcClient:
    """Odoo's external API as an integrator uses it: ``/xmlrpc/2/common`` and ``/xmlrpc/2/object``."""

    def __init__(self, base_url, database):
        self.database = database
        self.common = xmlrpc.client.ServerProxy(
            f"{base_url}/xmlrpc/2/common", transport=_TimeoutTransport(120), allow_none=True
        )
        self.object = xmlrpc.client.ServerProxy(
            f"{base_url}/xmlrpc/2/object", transport=_TimeoutTransport(120), allow_none=True
        )

    def authenticate(self, login, password):
        """:return: the user id, or False when the login or the password is wrong"""
        return self.common.authenticate(self.database, login, password, {})

    def as_user(self, login, password):
        uid = self.authenticate(login, password)
        assert uid, f"{login} cannot log in"
        return XmlRpcUser(self, uid, password)


class XmlRpcUser:
    """One logged-in user of ``XmlRpcClient``: ``call(model, method, *args, **kwargs)``."""

    def __init__(self, client, uid, password):
        self.client = client
        self.uid = uid
        self.password = password

    def call(self, model, method, *args, **kwargs):
        return self.client.object.execute_kw(
            self.client.database, self.uid, self.password, model, method, list(args), kwargs
        )


@pytest.fixture(scope="session")
def xmlrpc_client(odoo_prefork_server, request):
    return XmlRpcClient(odoo_prefork_server, request.config.getoption("--odoo-database"))


@pytest.fixture
def restore_rows(request):
    """``keep(table, ids, columns)``: the rows are put back as they were after the test.

    The e2e tests commit through a real server on the test database; when a guard is
    missing, what an attacker wrote must not leak into the tests that follow.
    """
    database = request.config.getoption("--odoo-database")
    kept = []

    def keep(table, ids, columns):
        query = psycopg2.sql.SQL("SELECT id, {columns} FROM {table} WHERE id = ANY(%s)").format(
            columns=psycopg2.sql.SQL(", ").join(map(psycopg2.sql.Identifier, columns)),
            table=psycopg2.sql.Identifier(table),
        )
        with odoo.sql_db.db_connect(database).cursor() as cr:
            cr.execute(query, [list(ids)])
            kept.extend((table, columns, row) for row in cr.fetchall())

    yield keep
    with odoo.sql_db.db_connect(database).cursor() as cr:
        for table, columns, (row_id, *values) in kept:
            cr.execute(
                psycopg2.sql.SQL("UPDATE {table} SET {assignments} WHERE id = %s").format(
                    table=psycopg2.sql.Identifier(table),
                    assignments=psycopg2.sql.SQL(", ").join(
                        psycopg2.sql.SQL("{} = %s").format(psycopg2.sql.Identifier(column)) for column in columns
                    ),
                ),
                [*values, row_id],
            )


# ------------------------------------------------------------
# A redirection to the login form is never a page
# ------------------------------------------------------------


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "login_redirect_expected: the test follows a redirection to /web/login on purpose"
    )


def _is_login_redirect(response):
    return response.is_redirect and urlparse(response.headers.get("Location", "")).path == "/web/login"


@pytest.fixture(autouse=True)
def _followed_login_redirect_fails(request, monkeypatch):
    """A request that ``requests`` lets follow redirections and that lands on the login form
    fails the test at once: the 200 of the login page is not the page asked for. A test that
    checks the redirection itself asks with ``allow_redirects=False``."""
    if request.node.get_closest_marker("login_redirect_expected"):
        return
    send = requests.Session.send

    def send_checked(session, prepared, **kwargs):
        response = send(session, prepared, **kwargs)
        if kwargs.get("allow_redirects", True) and any(_is_login_redirect(hop) for hop in response.history):
            pytest.fail(f"{prepared.method} {prepared.url} was redirected to the login form: not logged in")
        return response

    monkeypatch.setattr(requests.Session, "send", send_checked)
