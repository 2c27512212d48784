"""Running work in real, separate transactions, as concurrent requests do.

Shared by the concurrency tests and benchmarks of the OPTIS addons:
``from odoo.addons.optis_school.tests.concurrency import race, run_in_own_transaction``.
The data the threads use must be committed first (separate transactions do not see the
test's own): create it in ``with registry.cursor() as cr`` and delete it in a class
cleanup.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from psycopg2 import errors as pgerrors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError

# What Odoo retries: a request that failed on one of these runs again on a fresh snapshot.
RETRIED_ERRORS = (pgerrors.SerializationFailure, pgerrors.DeadlockDetected, pgerrors.LockNotAvailable)


def run_in_own_transaction(registry, work, retries=None, max_attempts=500, pause=0.02):
    """Run ``work(env)`` in a new cursor, committed when it returns, retrying like Odoo
    retries a request that hit a serialization failure, a deadlock or a lock timeout.

    :param registry: the database's registry
    :param work: a callable taking a superuser ``Environment`` on the new cursor
    :param list retries: when given, gets one item per retry
    :param int max_attempts: retries before giving up
    :param float pause: the longest random pause between two attempts, in seconds
    :return: ``"done"``, ``"refused"`` (the work raised a ``UserError``) or ``"gave up"``
    """
    threading.current_thread().dbname = registry.db_name
    for _attempt in range(max_attempts):
        try:
            with registry.cursor() as cr:
                work(api.Environment(cr, SUPERUSER_ID, {}))
            return "done"
        except UserError:
            return "refused"
        except RETRIED_ERRORS:
            if retries is not None:
                retries.append(1)
            time.sleep(random.uniform(0.0, pause))
    return "gave up"


def race(registry, works, workers):
    """Start every work at the same moment, each in its own thread and transaction.

    :param registry: the database's registry
    :param list works: callables taking an ``Environment`` (see ``run_in_own_transaction``)
    :param int workers: threads (database connections) at the same time
    :return: ``(outcomes, retries, seconds)``: the outcome of each work in order, the
        number of retries and the wall time
    """
    start_gate = threading.Event()
    retries = []

    def attempt(work):
        start_gate.wait(timeout=60)
        return run_in_own_transaction(registry, work, retries)

    begin = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as executor:
        futures = [executor.submit(attempt, work) for work in works]
        start_gate.set()
        outcomes = [future.result(timeout=300) for future in futures]
    return outcomes, len(retries), time.perf_counter() - begin
