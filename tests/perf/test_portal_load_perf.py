"""Benchmark: the parents' portal under load (issue 11, "speed under load").

``OPTIS_BENCH_LOAD_PARENTS`` parents (default 16), each a portal user with one child in
a class of the demo school, the child's two wallets with a few weeks of history, a booked
interview in the demo parents' evening and two invoices, browse at once against a prefork
server of ``OPTIS_BENCH_LOAD_WORKERS`` workers (default 4): every OPTIS portal page and
Odoo's own ``/my/invoices``, each parent in a random order, ``OPTIS_BENCH_LOAD_ROUNDS``
times each (default 5) after a round that warms the workers up.

The server needs committed data, and the families must not stay in the test database
(the tests that follow read the demo as it is): the benchmark copies the test database
(``pg_dump``/``pg_restore``), creates the families in the copy through the models, runs
``odoo server`` on the copy (as ``tests/e2e/conftest.py`` does on the test database) and
drops the copy afterwards (``OPTIS_BENCH_LOAD_KEEP=1`` keeps it for the next run).

Printed for each page: the p50 and p95 of the wall times the parents saw (waiting for a
free worker included) and of the server's side of them (the worker's time, from the
server's request log), with the ratio of each p95 to that of ``/my/invoices`` in the same
run. The goal is a wall p95 ratio of at most 1.0 for every page; the test asserts
``OPTIS_BENCH_LOAD_MAX_RATIO`` (default 2.0: a p95 over 80 views moves from one run to the
next on a shared machine, and the test command must not fail on noise; a page twice as slow
as Odoo's own fails it) and that every view was the page itself. How to run it and the
figures: docs/PERFORMANCE.md.
"""

import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

import psutil
import pytest
import requests
from perf_output import PerfOutput

import odoo
from odoo import Command, api, fields
from odoo.exceptions import UserError
from odoo.service.db import _create_empty_database, _drop_conn
from odoo.tools.misc import exec_pg_environ, find_pg_tool

PARENTS = int(os.environ.get("OPTIS_BENCH_LOAD_PARENTS", "16"))
WORKERS = int(os.environ.get("OPTIS_BENCH_LOAD_WORKERS", "4"))
ROUNDS = int(os.environ.get("OPTIS_BENCH_LOAD_ROUNDS", "5"))
# Each worker loads the registry and compiles the templates on its first views.
WARM_UP_ROUNDS = 1
MAX_RATIO = float(os.environ.get("OPTIS_BENCH_LOAD_MAX_RATIO", "2.0"))
# Keep the copy and its families for the next run (profiling; update it with -u after
# changing the addons).
KEEP = bool(os.environ.get("OPTIS_BENCH_LOAD_KEEP"))
REFERENCE = "/my/invoices"
FAMILIES_PARAMETER = "optis_perf.load_families"
PASSWORD = "loadbench"
SERVER_START_TIMEOUT = 120


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _p95(times):
    times = sorted(times)
    return times[min(len(times) - 1, round(0.95 * len(times)) - 1)]


# ------------------------------------------------------------
# The copy of the test database and its families
# ------------------------------------------------------------


def _copy_database(source, target):
    """``target``: a new database with the committed content of ``source`` and a copy of its
    filestore (``pg_dump`` reads a snapshot: the test database stays in use meanwhile)."""
    _drop_database(target)
    _create_empty_database(target)
    with tempfile.NamedTemporaryFile(suffix=".dump") as dump:
        environ = exec_pg_environ()
        subprocess.run(
            [find_pg_tool("pg_dump"), "--no-owner", "--format=c", f"--file={dump.name}", source],
            env=environ,
            check=True,
        )
        subprocess.run(
            [find_pg_tool("pg_restore"), "--no-owner", "--jobs=2", f"--dbname={target}", dump.name],
            env=environ,
            check=True,
        )
    filestore = odoo.tools.config.filestore(source)
    if os.path.isdir(filestore):
        shutil.copytree(filestore, odoo.tools.config.filestore(target), dirs_exist_ok=True)


def _drop_database(name):
    odoo.modules.registry.Registry.delete(name)
    odoo.sql_db.close_db(name)
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        _drop_conn(cr, name)
        cr.execute(f'DROP DATABASE IF EXISTS "{name}"')
    shutil.rmtree(odoo.tools.config.filestore(name), ignore_errors=True)


def _prepare_copy(source, database):
    """Copy ``source`` to ``database`` and create the families there.

    :return: the families (see ``_create_families``)
    """
    _copy_database(source, database)
    # pytest-odoo runs with test_enable: loading a registry would look for tests to run.
    with patch.dict(odoo.tools.config.options, {"test_enable": False}):
        registry = odoo.modules.registry.Registry.new(database)
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, odoo.SUPERUSER_ID, {})
            families = _create_families(env, PARENTS)
            env["ir.config_parameter"].set_param(FAMILIES_PARAMETER, json.dumps(families))
    finally:
        odoo.modules.registry.Registry.delete(database)
        odoo.sql_db.close_db(database)
    return families


def _read_families(database):
    """The families of a copy kept by a previous run, or None."""
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        if not cr.fetchone():
            return None
    with closing(odoo.sql_db.db_connect(database).cursor()) as cr:
        cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [FAMILIES_PARAMETER])
        row = cr.fetchone()
    odoo.sql_db.close_db(database)
    return row and json.loads(row[0])


def _create_families(env, count):
    """``count`` families in the demo school, written through the models as the school would:
    a parent (portal user, French or Dutch) with one child in S1A, the child's general and
    meals wallets topped up, three weeks of meals (posted), an interview booked in the demo
    parents' evening and two invoices (open, overdue).

    :return: one dict of ids per family (``login``, ``lang``: the URL code of their
        language, ``child``, ``wallet``, ``meals``, ``interview``, ``period``,
        ``appointment_type``)
    """
    company = env.ref("base.main_company")
    env = env(context=dict(env.context, allowed_company_ids=company.ids, tracking_disable=True))
    school_class = env.ref("optis_school.demo_class_s1a")
    period = env.ref("optis_school_meetings.school_interview_period_demo")
    appointment_type = env.ref("optis_school_meetings.school_appointment_type_headmaster")
    general_type = env.ref("optis_school_wallet.school_wallet_type_general")
    meals_type = env.ref("optis_school_wallet.school_wallet_type_meals")
    now = fields.Datetime.now().replace(microsecond=0)
    today = fields.Date.context_today(company)
    logins = [f"loadbench{index:02d}@example.com" for index in range(count)]
    parents = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            [
                {
                    "name": f"Parent {index:02d} Bench",
                    "login": login,
                    "email": login,
                    "lang": ("fr_BE", "nl_BE")[index % 2],
                    "tz": "Europe/Brussels",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [Command.set([env.ref("base.group_portal").id])],
                }
                for index, login in enumerate(logins)
            ]
        )
    )
    # One hash for every parent: hashing a password takes a second of CPU on purpose.
    password_hash = parents._crypt_context().hash(PASSWORD)
    for parent in parents:
        parent._set_encrypted_password(parent.id, password_hash)
    children = env["res.partner"].create(
        [
            {
                "name": f"Child {index:02d} Bench",
                "is_student": True,
                "company_id": company.id,
                "school_class_id": school_class.id,
            }
            for index in range(count)
        ]
    )
    env["school.guardian.link"].create(
        [
            {"student_id": child.id, "guardian_id": parent.partner_id.id, "relationship": "mother"}
            for parent, child in zip(parents, children, strict=True)
        ]
    )
    families = []
    for index, (parent, child) in enumerate(zip(parents, children, strict=True)):
        general = child._school_wallet_get(general_type)
        meals = child._school_wallet_get(meals_type)
        general._credit(60.0, "topup_transfer", date=now - timedelta(days=40), payment_method="bank_transfer")
        meals._credit(80.0, "topup_cash", date=now - timedelta(days=22), payment_method="cash")
        for days_ago in range(21, 0, -1):
            if (now - timedelta(days=days_ago)).weekday() < 5:
                meals._debit(4.5, "meal", date=now - timedelta(days=days_ago), payment_method="wallet")
        interview = _book_first_free(env, period, child, parent.partner_id, index)
        families.append(
            {
                "login": parent.login,
                "lang": env["res.lang"]._get_data(code=parent.lang).url_code,
                "child": child.id,
                "wallet": general.id,
                "meals": meals.id,
                "interview": interview.id,
                "period": period.id,
                "appointment_type": appointment_type.id,
            }
        )
    env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": parent.partner_id.id,
                "school_student_id": child.id,
                "invoice_date": today - timedelta(days=days_ago),
                "invoice_date_due": today - timedelta(days=days_ago) + timedelta(days=30),
                "invoice_line_ids": [Command.create({"name": "School trip", "quantity": 1, "price_unit": 18.0})],
            }
            for parent, child in zip(parents, children, strict=True)
            for days_ago in (5, 45)
        ]
    ).action_post()
    env["school.wallet.operation"].search([("move_id", "=", False), ("company_id", "=", company.id)])._post_pending()
    return families


def _book_first_free(env, period, child, guardian, index):
    """The child's interview with one of their teachers (the ``index``-th, in turn), at the
    first time the engine accepts."""
    teachers = child.school_class_id.teacher_ids | child.school_class_id.main_teacher_id
    participations = period.participation_ids.filtered(lambda line: line.teacher_id in teachers).sorted("id")
    turn = index % len(participations)
    for participation in participations[turn:] + participations[:turn]:
        for start, _stop in participation._get_free_slots():
            try:
                with env.cr.savepoint():
                    return env["school.interview"]._book(participation, start, child, guardian)
            except UserError:
                continue
    raise AssertionError(f"no free time left for {child.name} in {period.name}")


# ------------------------------------------------------------
# The server and its visitors
# ------------------------------------------------------------


def _start_server(config, database, workers):
    """``odoo server`` with ``workers`` prefork workers on ``database``, as ``tests/e2e``
    starts it; return the process, its base URL and its log file."""
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
        # one line per request with its queries, their time and the rest of the time spent
        # in the worker (Odoo's PerfFilter): the server's side, without the wait for a worker
        "--log-handler=werkzeug:INFO",
        f"--workers={workers}",
        f"--gevent-port={_free_port()}",
        "--limit-time-real=300",
    ]
    log_path = os.path.join(os.path.dirname(config), f"perf-load-{database}.log")
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"Odoo server exited with {process.returncode}; log: {log_path}")
        try:
            healthy = requests.get(f"{base_url}/web/health", timeout=2).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            healthy = False  # not listening yet, or loading the registry
        if healthy:
            return process, base_url, log_path
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"Odoo server did not answer within {SERVER_START_TIMEOUT}s; log: {log_path}")
        time.sleep(0.5)


REQUEST_LINE = re.compile(r'"GET (\S+) HTTP/[\d.]+" 200 \S+ (\d+) ([\d.]+) ([\d.]+)')


def _server_times(log_path, offset, labels):
    """The server's side of the views logged in ``log_path`` after ``offset``.

    :param dict labels: page label by path
    :return: ``{label: [(milliseconds, queries), ...]}``
    """
    times = defaultdict(list)
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            match = REQUEST_LINE.search(line)
            if match and match[1] in labels:
                queries, query_time, other_time = int(match[2]), float(match[3]), float(match[4])
                times[labels[match[1]]].append(((query_time + other_time) * 1000, queries))
    return times


def _pages(family):
    """(label, path) of every page a parent opens, in their language."""
    prefix = f"/{family['lang']}"
    return [
        ("child home", f"{prefix}/my/school/child/{family['child']}"),
        ("wallets", f"{prefix}/my/wallets"),
        ("wallet", f"{prefix}/my/wallets/{family['wallet']}"),
        ("operations", f"{prefix}/my/wallets/{family['meals']}/operations"),
        ("top-up", f"{prefix}/my/wallets/{family['wallet']}/topup?amount=20"),
        ("interviews", f"{prefix}/my/interviews"),
        ("period", f"{prefix}/my/interviews/period/{family['period']}"),
        ("move", f"{prefix}/my/interviews/{family['interview']}/move"),
        ("profile", f"{prefix}/my/school/child/{family['child']}/profile"),
        ("meals", f"{prefix}/my/school/child/{family['child']}/meals"),
        ("sales", f"{prefix}/my/wallets/{family['wallet']}/sales"),
        ("appointments", f"{prefix}/my/appointments"),
        ("appointment type", f"{prefix}/my/appointments/type/{family['appointment_type']}"),
        ("privacy", f"{prefix}/my/school/privacy"),
        (REFERENCE, f"{prefix}{REFERENCE}"),
    ]


# What shows that a view is the page itself (not an error page nor the login form).
PAGE_MARKERS = {
    "child home": "o_school_home_wallets",
    "wallets": "o_school_wallet_row",
    "wallet": "o_school_wallet_qr",
    "operations": "o_school_wallet_operation",
    "top-up": "o_portal_wrap",
    "interviews": "o_school_interview_period",
    "period": "o_school_interview_slot",
    "move": "o_school_interview_current",
    "profile": "o_school_profile_contact",
    "meals": "o_school_meal_calendar",
    "sales": "o_school_sales_filters",
    "appointments": "o_school_appointment_type",
    "appointment type": "o_portal_wrap",
    "privacy": "o_school_privacy_export",
    REFERENCE: "o_portal_my_doc_table",
}


def _log_in(base_url, database, family):
    """:return: a ``requests`` session of ``family``'s parent, logged in"""
    session = requests.Session()
    response = session.post(
        f"{base_url}/web/session/authenticate",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {"db": database, "login": family["login"], "password": PASSWORD},
        },
        timeout=120,
    )
    response.raise_for_status()
    assert response.json().get("result", {}).get("uid"), f"{family['login']} cannot log in"
    return session


class Visitor(threading.Thread):
    """One parent browsing: opens their pages in a random order, ``rounds`` times,
    recording the wall time of each view."""

    def __init__(self, base_url, session, family, rounds, start_together):
        super().__init__(daemon=True)
        self.base_url = base_url
        self.http = session
        self.family = family
        self.rounds = rounds
        self.start_together = start_together
        self.times = defaultdict(list)
        self.failures = []
        self.shuffler = random.Random(family["login"])

    def run(self):
        pages = _pages(self.family)
        self.start_together.wait()
        for _round in range(self.rounds):
            self.shuffler.shuffle(pages)
            for label, path in pages:
                start = time.perf_counter()
                try:
                    response = self.http.get(f"{self.base_url}{path}", timeout=120, allow_redirects=False)
                except requests.RequestException as error:
                    self.failures.append(f"{path}: {error}")
                    continue
                elapsed = time.perf_counter() - start
                if response.status_code != 200 or 'name="login"' in response.text:
                    self.failures.append(f"{path}: {response.status_code} {response.headers.get('Location', '')}")
                elif PAGE_MARKERS[label] not in response.text:
                    self.failures.append(f"{path}: not the page")
                else:
                    self.times[label].append(elapsed * 1000)


def _browse(base_url, sessions, families, rounds):
    """Every family browses at once; return the times by page label, the failures and the
    wall time of the whole run."""
    start_together = threading.Barrier(len(families) + 1)
    visitors = [
        Visitor(base_url, session, family, rounds, start_together)
        for session, family in zip(sessions, families, strict=True)
    ]
    for visitor in visitors:
        visitor.start()
    start_together.wait()
    start = time.perf_counter()
    for visitor in visitors:
        visitor.join()
    wall = time.perf_counter() - start
    times = defaultdict(list)
    failures = []
    for visitor in visitors:
        for label, values in visitor.times.items():
            times[label].extend(values)
        failures.extend(visitor.failures)
    return times, failures, wall


def _cpu_seconds(process):
    """CPU seconds of the server and its workers so far (workers that exited are not counted)."""
    try:
        processes = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for each in processes:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


@pytest.mark.perf
class TestPortalLoadBenchmark(PerfOutput):
    def test_portal_under_load(self, request):
        config = request.config.getoption("--odoo-config")
        source = request.config.getoption("--odoo-database")
        database = f"{source}_load"
        started = time.perf_counter()
        families = _read_families(database) if KEEP else None
        try:
            if families:
                self._say(f"portal under load: the copy {database} kept by a previous run")
            else:
                families = _prepare_copy(source, database)
                self._say(
                    f"portal under load: copy of {source} with {PARENTS} families ready in "
                    f"{time.perf_counter() - started:.1f} s"
                )
            process, base_url, log_path = _start_server(config, database, WORKERS)
            try:
                # Logging in checks a password hash on purpose slowly: all at once, once.
                with ThreadPoolExecutor(max_workers=WORKERS) as executor:
                    sessions = list(executor.map(lambda family: _log_in(base_url, database, family), families))
                _times, failures, warm_up = _browse(base_url, sessions, families, WARM_UP_ROUNDS)
                assert not failures, f"warm-up: {failures[:5]} (log: {log_path})"
                self._say(
                    f"portal under load: server started, parents logged in and warm-up round in "
                    f"{time.perf_counter() - started:.1f} s in all (warm-up {warm_up:.1f} s)"
                )
                server = psutil.Process(process.pid)
                cpu_before, load_before = _cpu_seconds(server), os.getloadavg()[0]
                log_offset = os.path.getsize(log_path)
                times, failures, wall = _browse(base_url, sessions, families, ROUNDS)
                cpu = _cpu_seconds(server) - cpu_before
                labels = {path: label for family in families for label, path in _pages(family)}
                server_times = _server_times(log_path, log_offset, labels)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        finally:
            if not KEEP:
                _drop_database(database)
        self._report(times, server_times, wall, cpu, load_before)
        assert not failures, f"{len(failures)} views were not the page: {failures[:5]}"
        reference = _p95(times[REFERENCE])
        too_slow = {
            label: round(_p95(values) / reference, 2)
            for label, values in times.items()
            if _p95(values) / reference > MAX_RATIO
        }
        assert not too_slow, f"p95 above {MAX_RATIO} x the p95 of {REFERENCE}: {too_slow}"

    def _report(self, times, server_times, wall, cpu, load_before):
        """Print the figures: the wall times seen by the parents (waiting for a worker
        included) and the server's side of them (the worker's time, the queries)."""
        views = sum(len(values) for values in times.values())
        reference = _p95(times[REFERENCE])
        server_reference = _p95([milliseconds for milliseconds, _queries in server_times[REFERENCE]] or [float("nan")])
        self._say(
            f"portal under load: {PARENTS} parents, {WORKERS} workers, {views} views in {wall:.1f} s "
            f"({views / wall:.1f} views/s), server CPU {cpu:.1f} s ({cpu / views * 1000:.0f} ms a view), "
            f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
        )
        self._say(
            f"{'page':<13} {'views':>5} | {'wall p50':>8} {'p95':>7} {'p95 ratio':>9} | "
            f"{'server p50':>10} {'p95':>7} {'p95 ratio':>9} {'queries':>7}"
        )
        for label, values in sorted(times.items(), key=lambda item: -_p95(item[1]) / reference):
            server = [milliseconds for milliseconds, _queries in server_times[label]] or [0.0]
            queries = statistics.median([queries for _milliseconds, queries in server_times[label]] or [0])
            self._say(
                f"{label:<13} {len(values):>5} | {statistics.median(values):>8.1f} {_p95(values):>7.1f} "
                f"{_p95(values) / reference:>9.2f} | {statistics.median(server):>10.1f} {_p95(server):>7.1f} "
                f"{_p95(server) / server_reference:>9.2f} {queries:>7.0f}"
            )
        self._say("(milliseconds; ratio: the page's p95 over the p95 of /my/invoices in this run)")
