"""End to end: the demo school through a real server, as a browser sees it.

Every test that logs in also opens a page of the logged-in user without following
redirections (``JsonRpcSession.get_page``) and checks what it shows: a redirection to the
login page never passes for a page.
"""

import html
import re
from urllib.parse import urlparse

import pytest

import odoo

STAFF = {
    "admin": ("admin", "Mitchell Admin"),
    "bursar": ("bursar", "Bernadette Lemaire"),
    "teacher": ("teacher", "Sophie Claes"),
}
PARENTS = {
    "parent1@example.com": ("Isabelle Lejeune", ["Emma Vermeulen", "Lucas Vermeulen"]),
    "parent2@example.com": ("Nadia El Amrani", ["Inès El Amrani", "Yasmine El Amrani"]),
}
# The demo parents read French (fr_BE): their pages come in French, under the language's
# prefix (Odoo's http_routing sends /my to /fr/my for a user whose language is not the default).
FR = "/fr"


def _log_in(rpc, login, password):
    result = rpc.authenticate(login, password)
    assert "error" not in result, result
    assert result["result"]["uid"]
    return result["result"]


def test_server_health(odoo_server, rpc):
    response = rpc.http.get(f"{odoo_server}/web/health", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "pass"


def test_login_page_shows(odoo_server, rpc):
    response = rpc.http.get(f"{odoo_server}/web/login", timeout=30)
    assert response.status_code == 200
    assert 'name="login"' in response.text


def test_wrong_password_is_refused(odoo_server, rpc):
    result = rpc.authenticate("bursar", "not-the-password")
    assert "error" in result
    assert "AccessDenied" in result["error"]["data"]["name"]
    # Not logged in: the pages send to the login form, which get_page refuses.
    for path in ("/odoo", "/my"):
        response = rpc.http.get(f"{odoo_server}{path}", timeout=30, allow_redirects=False)
        assert response.status_code in (302, 303), path
        assert urlparse(response.headers["Location"]).path == "/web/login", path
        with pytest.raises(AssertionError):
            rpc.get_page(path)


@pytest.mark.parametrize("login", sorted(STAFF))
def test_demo_staff_logins(rpc, login):
    password, name = STAFF[login]
    session = _log_in(rpc, login, password)
    assert session["name"] == name
    # The web client of this very user (its session information names them).
    page = rpc.get_page("/odoo", '"is_internal_user": true', f'"uid": {session["uid"]}', html.escape(name))
    assert "web.webclient_bootstrap" in page.text or "o_web_client" in page.text


def test_bursar_lists_demo_students(rpc):
    _log_in(rpc, "bursar", "bursar")
    rpc.get_page("/odoo", "Bernadette Lemaire")
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
    _log_in(rpc, "teacher", "teacher")
    rpc.get_page("/odoo", "Sophie Claes")
    result = rpc.call_kw(
        "res.partner", "search_read", [[("is_student", "=", True)]], {"fields": ["name", "medical_notes"], "limit": 1}
    )
    assert "error" in result
    assert "AccessError" in result["error"]["data"]["name"]


def test_teacher_cannot_read_activation_codes(rpc):
    _log_in(rpc, "teacher", "teacher")
    rpc.get_page("/odoo", "Sophie Claes")
    result = rpc.call_kw("school.activation.code", "search_read", [[]], {"fields": ["code"], "limit": 1})
    assert "error" in result
    assert "AccessError" in result["error"]["data"]["name"]


@pytest.mark.parametrize("login", sorted(PARENTS))
def test_parents_log_in_to_the_portal_not_the_backend(odoo_server, rpc, login):
    name, children = PARENTS[login]
    _log_in(rpc, login, "parent")
    response = rpc.http.get(f"{odoo_server}/odoo", timeout=30, allow_redirects=False)
    # Portal users are sent away from the backend, to their landing page (not the login form).
    assert response.status_code in (303, 302)
    assert urlparse(response.headers["Location"]).path in ("/my", "/my/home", "/web/login_successful")
    response = rpc.http.get(f"{odoo_server}/my", timeout=30, allow_redirects=False)
    assert urlparse(response.headers["Location"]).path == f"{FR}/my", "the portal in the parent's language"
    rpc.get_page(f"{FR}/my", html.escape(name), "Portefeuilles", "Entretiens parents-enseignants")
    wallets = rpc.get_page(f"{FR}/my/wallets", html.escape(name), *map(html.escape, children))
    assert wallets.text.count("o_school_wallet_row") == 2 * len(children), "two wallets per child"
    rpc.get_page(f"{FR}/my/interviews", html.escape(name), "Réunions de parents", "Vos entretiens")


def test_wallet_page_shows_no_text_from_the_url(rpc):
    """The page with the school's IBAN shows only the messages it names by a code."""
    _log_in(rpc, "parent1@example.com", "parent")
    wallets = rpc.get_page(f"{FR}/my/wallets", "Isabelle Lejeune")
    wallet_path = FR + re.search(r'href="(/my/wallets/\d+)"', wallets.text).group(1)
    forged = rpc.get_page(
        f"{wallet_path}?error=Pay+to+BE00+0000+0000+0000&message=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "Isabelle Lejeune",
        "Dernières opérations",
    )
    # Not even in the links of the language selector (French, Dutch, English).
    assert forged.text.count("js_change_lang") == 3
    assert f'href="/nl{wallet_path.removeprefix(FR)}"' in forged.text, "the same page in Dutch"
    for text in ("BE00", "Pay to", "alert(1)"):
        assert text not in forged.text
    rpc.get_page(
        f"{wallet_path}?success=threshold", "Vous serez averti quand le solde passera sous ce nouveau montant."
    )


def test_parent_cannot_book_a_child_of_another_school(rpc):
    """Adam goes to the other school of the demo: the first school's evening is not his."""
    _log_in(rpc, "parent2@example.com", "parent")
    listing = rpc.get_page(f"{FR}/my/interviews", "Nadia El Amrani")
    period_path = re.search(r'href="(/my/interviews/period/\d+)"', listing.text).group(1)
    page = rpc.get_page(FR + period_path, "Nadia El Amrani", "Inès El Amrani")
    assert "Adam El Amrani" in page.text, "the switcher names all her children"
    assert "Adam El Amrani" not in _without_switcher(page.text)
    form = re.search(
        r'name="csrf_token" value="([^"]+)"/>\s*<input type="hidden" name="student_id" value="\d+"/>\s*'
        r'<input type="hidden" name="participation_id" value="(\d+)"/>\s*'
        r'<input type="hidden" name="start" value="([^"]+)"/>',
        page.text,
    )
    assert form, "the demo evening has free times for Inès"
    csrf_token, participation_id, start = form.groups()
    adam = _demo_student_id(rpc.database, "Adam El Amrani")
    response = rpc.http.post(
        f"{rpc.base_url}{period_path}/book",
        data={"csrf_token": csrf_token, "student_id": adam, "participation_id": participation_id, "start": start},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 404
    assert "Adam El Amrani" not in _without_switcher(rpc.get_page(f"{FR}/my/interviews", "Nadia El Amrani").text)


def _without_switcher(text):
    """The page without the switcher of the parent's children (it names every child)."""
    return re.sub(r'<nav class="o_school_child_switcher.*?</nav>', "", text, flags=re.DOTALL)


def _demo_student_id(database, name):
    """The id of a demo student, read in the database (parents cannot read it)."""
    with odoo.sql_db.db_connect(database).cursor() as cr:
        cr.execute("SELECT id FROM res_partner WHERE is_student AND name = %s", [name])
        return cr.fetchone()[0]
