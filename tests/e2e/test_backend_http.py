"""End to end: the demo school through a real server, as a browser sees it."""

import pytest


def test_server_health(odoo_server, rpc):
    response = rpc.http.get(f"{odoo_server}/web/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "pass"


def test_login_page_shows(odoo_server, rpc):
    response = rpc.http.get(f"{odoo_server}/web/login", timeout=30)
    assert response.status_code == 200
    assert 'name="login"' in response.text


def test_wrong_password_is_refused(rpc):
    result = rpc.authenticate("bursar", "not-the-password")
    assert "error" in result
    assert "AccessDenied" in result["error"]["data"]["name"]


@pytest.mark.parametrize("login", ["admin", "bursar", "teacher"])
def test_demo_staff_logins(rpc, login):
    password = "admin" if login == "admin" else login
    result = rpc.authenticate(login, password)
    assert "error" not in result, result
    assert result["result"]["uid"]


def test_bursar_lists_demo_students(rpc):
    rpc.authenticate("bursar", "bursar")
    result = rpc.call_kw(
        "res.partner",
        "search_read",
        [[("is_student", "=", True)]],
        {"fields": ["name", "student_number", "school_class_id"], "limit": 200},
    )
    students = result["result"]
    assert len(students) >= 25, "the demo school has about 30 students"
    assert all(student["student_number"] for student in students)


def test_teacher_cannot_read_medical_notes(rpc):
    rpc.authenticate("teacher", "teacher")
    result = rpc.call_kw(
        "res.partner", "search_read", [[("is_student", "=", True)]], {"fields": ["name", "medical_notes"], "limit": 1}
    )
    assert "error" in result
    assert "AccessError" in result["error"]["data"]["name"]


def test_teacher_cannot_read_activation_codes(rpc):
    rpc.authenticate("teacher", "teacher")
    result = rpc.call_kw("school.activation.code", "search_read", [[]], {"fields": ["code"], "limit": 1})
    assert "error" in result
    assert "AccessError" in result["error"]["data"]["name"]


@pytest.mark.parametrize("login", ["parent1@example.com", "parent2@example.com"])
def test_parents_log_in_to_the_portal_not_the_backend(odoo_server, rpc, login):
    result = rpc.authenticate(login, "parent")
    assert "error" not in result, result
    response = rpc.http.get(f"{odoo_server}/odoo", timeout=30, allow_redirects=False)
    # Portal users are sent away from the backend.
    assert response.status_code in (303, 302)
    assert "/my" in response.headers["Location"] or "/web/login" in response.headers["Location"]
    assert rpc.http.get(f"{odoo_server}/my", timeout=30).status_code == 200
