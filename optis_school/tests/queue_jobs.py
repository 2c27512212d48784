"""OCA queue_job's test helpers (``trap_jobs``), importable on every Odoo 18.0 revision.

queue_job 18.0.3 and later register their patch in ``odoo.tests.common.SETATTR_SOURCES``,
a dict that Odoo 18.0 revisions older than that do not have (nor need: they do not check
where a ``setattr`` comes from). An empty dict there is what those revisions mean.
"""

from odoo.tests import common

if not hasattr(common, "SETATTR_SOURCES"):
    common.SETATTR_SOURCES = {}

from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: E402

__all__ = ["trap_jobs"]
