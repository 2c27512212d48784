"""End to end, over JSON-RPC as an integrator would: issue 9, scenario 3. A School
Administrator cannot make the Odoo administrator's user a teacher's login, so a password
typed on the teacher never reaches it."""

import uuid

import pytest


def _ok(result):
    assert "error" not in result, result
    return result["result"]


def _refused(result, error_name):
    assert "error" in result, result
    assert error_name in result["error"]["data"]["name"], result["error"]


@pytest.fixture
def school_admin(rpc):
    """A School Administrator of the demo school (created by the Odoo administrator), archived afterwards."""
    _ok(rpc.authenticate("admin", "admin"))
    login = f"e2e-school-admin-{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    group_id = _ok(rpc.call_kw("ir.model.data", "check_object_reference", ["optis_school", "group_school_admin"]))[1]
    user_id = _ok(
        rpc.call_kw(
            "res.users",
            "create",
            [{"name": "E2E School Admin", "login": login, "password": password, "groups_id": [(6, 0, [group_id])]}],
        )
    )
    yield login, password
    _ok(rpc.authenticate("admin", "admin"))
    _ok(rpc.call_kw("res.users", "write", [[user_id], {"active": False}]))


def test_school_admin_cannot_take_over_the_administrator(rpc, school_admin):
    admin_uid = _ok(rpc.authenticate("admin", "admin"))["uid"]
    login, password = school_admin
    _ok(rpc.authenticate(login, password))
    teacher_id = _ok(rpc.call_kw("school.teacher", "search", [[("user_id", "=", False)]], {"limit": 1}))[0]

    # The report's calls: user_id, then password.
    _refused(rpc.call_kw("school.teacher", "write", [[teacher_id], {"user_id": admin_uid}]), "AccessError")
    _refused(
        rpc.call_kw("school.teacher", "write", [[teacher_id], {"user_id": admin_uid, "password": "Taken-Over-1"}]),
        "AccessError",
    )
    # The form's own flow refuses the administrator too.
    wizard_id = _ok(
        rpc.call_kw("school.teacher.link.user", "create", [{"teacher_id": teacher_id, "user_id": admin_uid}])
    )
    result = rpc.call_kw("school.teacher.link.user", "action_link", [[wizard_id]])
    _refused(result, "UserError")
    assert "administrator" in result["error"]["data"]["message"]

    # The administrator's password is unchanged; the attacker's is refused.
    assert _ok(rpc.authenticate("admin", "admin"))["uid"] == admin_uid
    assert "error" in rpc.authenticate("admin", "Taken-Over-1")
