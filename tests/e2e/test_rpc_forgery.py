"""End to end: what a staff member can try with their own login over Odoo's external API
(XML-RPC), on a server with prefork workers as in production. Money and accounts are
guarded in the models, whatever the views hide and whatever context the caller sends.

The three scenarios of issue 9, each with and without forged context keys: an RPC caller
sends any context it likes, so a guard that trusts a context flag is no guard. The names
are guesses of what an engine could use for its own writes, kept in
``tests/test_optis_suite/tests/write_sweep.py`` (``FORGED_CONTEXT``) for the sweep and these
tests alike: keep them in line with the guards.
"""

import secrets
import xmlrpc.client

import pytest

from odoo.addons.test_optis_suite.tests.write_sweep import FORGED_CONTEXT as SWEEP_FORGED_CONTEXT

# The write sweep's forged keys (one list to keep in line with the guards), and one that
# user creation reads.
FORGED_CONTEXT = {**SWEEP_FORGED_CONTEXT, "no_reset_password": True}
CONTEXTS = pytest.mark.parametrize("context", [{}, FORGED_CONTEXT], ids=["no context", "forged context"])
# What a refusal is over XML-RPC (odoo/addons/base/controllers/rpc.py): a UserError or
# ValidationError (fault 2), an AccessError (fault 4), or a constraint of the database (an
# application error, fault 1, naming the violated constraint). Any other crash (e.g. a
# missing column) is not a guard.
RPC_FAULT_CODE_WARNING, RPC_FAULT_CODE_ACCESS_ERROR = 2, 4
CONSTRAINT_ERRORS = ("CheckViolation", "UniqueViolation", "ExclusionViolation", "ForeignKeyViolation")


def _is_refusal(fault):
    return fault.faultCode in (RPC_FAULT_CODE_WARNING, RPC_FAULT_CODE_ACCESS_ERROR) or any(
        f"psycopg2.errors.{name}" in fault.faultString for name in CONSTRAINT_ERRORS
    )


def _assert_refused(call, *args, **kwargs):
    with pytest.raises(xmlrpc.client.Fault) as caught:
        call(*args, **kwargs)
    assert _is_refusal(caught.value), caught.value.faultString


@pytest.fixture(scope="module")
def admin(xmlrpc_client):
    return xmlrpc_client.as_user("admin", "admin")


@pytest.fixture(scope="module")
def bursar(xmlrpc_client):
    return xmlrpc_client.as_user("bursar", "bursar")


@pytest.fixture(scope="module")
def school_admin(xmlrpc_client, admin):
    """A School Administrator (the demo has none besides the Odoo administrator), created by
    the administrator over XML-RPC and archived afterwards."""
    group_ids = [
        admin.call("ir.model.data", "check_object_reference", module, name)[1]
        for module, name in (("base", "group_user"), ("optis_school", "group_school_admin"))
    ]
    company_id = admin.call("ir.model.data", "check_object_reference", "base", "main_company")[1]
    login, password = f"e2e_school_admin_{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    user_id = admin.call(
        "res.users",
        "create",
        {
            "name": "E2E School Administrator",
            "login": login,
            "password": password,
            "company_id": company_id,
            "company_ids": [(6, 0, [company_id])],
            "groups_id": [(6, 0, group_ids)],
        },
        context={"no_reset_password": True},
    )
    yield xmlrpc_client.as_user(login, password)
    admin.call("res.users", "write", [user_id], {"active": False})


@CONTEXTS
def test_bursar_cannot_write_a_wallet_balance(admin, bursar, restore_rows, context):
    [wallet] = admin.call("school.wallet", "search_read", [("balance", ">", 0)], fields=["balance"], limit=1)
    restore_rows("school_wallet", [wallet["id"]], ["balance"])
    operations = admin.call(
        "school.wallet.operation", "search_read", [("wallet_id", "=", wallet["id"])], fields=["amount"]
    )
    assert wallet["balance"] == pytest.approx(sum(operation["amount"] for operation in operations))

    _assert_refused(bursar.call, "school.wallet", "write", [wallet["id"]], {"balance": 1000.0}, context=context)

    [after] = admin.call("school.wallet", "read", [wallet["id"]], ["balance"])
    assert after["balance"] == wallet["balance"]


@CONTEXTS
@pytest.mark.parametrize("vals", [{"amount_total": 1000.0}, {"state": "refunded"}], ids=["amount_total", "state"])
def test_bursar_cannot_rewrite_a_paid_sale(admin, bursar, restore_rows, context, vals):
    [sale] = admin.call(
        "school.wallet.sale", "search_read", [("state", "=", "paid")], fields=["amount_total", "state"], limit=1
    )
    restore_rows("school_wallet_sale", [sale["id"]], ["amount_total", "state"])

    _assert_refused(bursar.call, "school.wallet.sale", "write", [sale["id"]], vals, context=context)

    [after] = admin.call("school.wallet.sale", "read", [sale["id"]], ["amount_total", "state"])
    assert (after["amount_total"], after["state"]) == (sale["amount_total"], sale["state"])


@CONTEXTS
def test_school_administrator_cannot_take_over_the_administrator(
    xmlrpc_client, admin, school_admin, restore_rows, context
):
    [teacher] = admin.call("school.teacher", "search_read", [("user_id.login", "=", "teacher")], fields=["user_id"])
    teacher_user_id = teacher["user_id"][0]
    restore_rows("school_teacher", [teacher["id"]], ["user_id"])
    restore_rows("res_users", [admin.uid, teacher_user_id], ["login", "password", "active", "company_id"])
    new_password = secrets.token_urlsafe(12)

    # The whole attack, as an attacker runs it: link the administrator, then set "the teacher's" password.
    refusals = []
    for vals in ({"user_id": admin.uid}, {"password": new_password}):
        try:
            school_admin.call("school.teacher", "write", [teacher["id"]], vals, context=context)
        except xmlrpc.client.Fault as fault:
            assert _is_refusal(fault), fault.faultString
            refusals.append(next(iter(vals)))

    assert xmlrpc_client.authenticate("admin", "admin") == admin.uid, "the administrator lost their password"
    assert not xmlrpc_client.authenticate("admin", new_password)
    [after] = admin.call("school.teacher", "read", [teacher["id"]], ["user_id"])
    assert after["user_id"][0] == teacher_user_id
    assert "user_id" in refusals, "linking the administrator to a teacher was accepted"
